"""Users' own agents: CRUD, clone and templates, at /custom-bots.

A bot is stored in `agents` with its owner's `user_id`, so it is usable in chat the
moment it is created. Another user's bot is a 404 for every verb, exactly like a bot
that does not exist. The OpenAI key goes in encrypted and never comes out: responses
are `BotPublic`, which has `hasOpenaiKey` and no field that could carry the key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Request, status

from agents_backend.auth.deps import CurrentUser, UserLanguage, get_current_user
from agents_backend.bots import store as bots
from agents_backend.bots.builtin import BUILTIN_AGENTS, localized
from agents_backend.bots.models import AgentProfile
from agents_backend.bots.publishing import embed_snippet, publish, share_url
from agents_backend.bots.schemas import (
    BotClone,
    BotCreate,
    BotEnvelope,
    BotList,
    BotModelList,
    BotPublic,
    BotTemplateList,
    BotTemplatePublic,
    BotUpdate,
    PublicationPublic,
    PublicationUpdate,
)
from agents_backend.bots.service import allowed_models, clone_fields, clone_name, profile_fields
from agents_backend.bots.templates import localized_templates
from agents_backend.contract import ErrorCode
from agents_backend.core.config import Settings
from agents_backend.core.database import Database
from agents_backend.core.deps import CipherDep, DbDep, SettingsDep
from agents_backend.core.http_errors import ApiError, invalid_field
from agents_backend.core.registry import service
from agents_backend.core.rooms import published_agent_room
from agents_backend.core.sessions import LiveSessions

router = APIRouter(prefix="/custom-bots", tags=["custom-bots"])

BotKey = Annotated[str, Path(min_length=1, max_length=64)]
SessionsDep = Annotated[LiveSessions, Depends(service(LiveSessions))]

_NOT_FOUND = ApiError(status.HTTP_404_NOT_FOUND, ErrorCode.BOT_NOT_FOUND)
# Fields a PUT may set to null: each then falls back to a default.
_NULLABLE = frozenset({"model", "openai_account", "openai_api_key"})


def bot_public(bot: AgentProfile) -> BotPublic:
    return BotPublic(
        key=bot.key,
        name=bot.name,
        emoji=bot.emoji,
        description=bot.description,
        prompt=bot.system_prompt,
        specialties=bot.specialties,
        model=bot.model,
        temperature=bot.temperature,
        scheduling_enabled=bot.scheduling_enabled,
        tools=bot.tools,
        has_openai_key=bot.openai_key_encrypted is not None,
        openai_account=bot.openai_account,
        created_at=bot.created_at,
        updated_at=bot.updated_at,
    )


def _check_model(settings: Settings, model: str | None) -> None:
    allowed = allowed_models(settings)
    if model is not None and model not in allowed:
        raise invalid_field(("body", "model"), "model_not_allowed", models=", ".join(allowed))


@router.get("", response_model=BotList)
async def list_custom_bots(user: CurrentUser, db: DbDep) -> BotList:
    """The caller's bots, newest first."""
    return BotList(bots=[bot_public(b) for b in await bots.list_bots(db=db, user_id=user["_id"])])


@router.post("", response_model=BotEnvelope, status_code=status.HTTP_201_CREATED)
async def create_custom_bot(
    body: BotCreate, user: CurrentUser, db: DbDep, settings: SettingsDep, cipher: CipherDep
) -> BotEnvelope:
    _check_model(settings, body.model)
    fields = profile_fields(body.model_dump(), cipher)
    bot = await bots.create_bot(db=db, user_id=user["_id"], fields=fields)
    return BotEnvelope(bot=bot_public(bot))


@router.get("/templates", response_model=BotTemplateList)
async def list_custom_bot_templates(language: UserLanguage) -> BotTemplateList:
    """Starting points (SDR, support, scheduler, follow-up) to pre-fill a new bot, written
    in the caller's language (their prompts too: the form shows them)."""
    return BotTemplateList(
        templates=[
            BotTemplatePublic(
                id=t.id,
                name=t.name,
                emoji=t.emoji,
                description=t.description,
                prompt=t.prompt,
                specialties=list(t.specialties),
                temperature=t.temperature,
                scheduling_enabled=t.scheduling_enabled,
                tools=list(t.tools),
            )
            for t in localized_templates(language)
        ]
    )


@router.get("/models", response_model=BotModelList, dependencies=[Depends(get_current_user)])
async def list_custom_bot_models(settings: SettingsDep) -> BotModelList:
    """The models a bot may use, so a form offers a list instead of free text that the
    server would refuse; signed-in callers only (it tells how the server is set up)."""
    return BotModelList(models=allowed_models(settings), default=settings.openai_model)


@router.get("/{key}", response_model=BotEnvelope)
async def read_custom_bot(key: BotKey, user: CurrentUser, db: DbDep) -> BotEnvelope:
    bot = await bots.get_bot(db=db, user_id=user["_id"], key=key)
    if bot is None:
        raise _NOT_FOUND
    return BotEnvelope(bot=bot_public(bot))


@router.put("/{key}", response_model=BotEnvelope)
async def update_custom_bot(
    key: BotKey,
    body: BotUpdate,
    user: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    cipher: CipherDep,
) -> BotEnvelope:
    """Partial: only the fields sent change (see `BotUpdate`)."""
    sent = body.model_dump(include=body.model_fields_set)
    for field, value in sent.items():
        if value is None and field not in _NULLABLE:
            raise invalid_field(("body", field), "not_null")
    _check_model(settings, sent.get("model"))
    if not sent:
        bot = await bots.get_bot(db=db, user_id=user["_id"], key=key)
    else:
        bot = await bots.update_bot(
            db=db, user_id=user["_id"], key=key, changes=profile_fields(sent, cipher)
        )
    if bot is None:
        raise _NOT_FOUND
    return BotEnvelope(bot=bot_public(bot))


@router.delete("/{key}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_custom_bot(
    key: BotKey, user: CurrentUser, db: DbDep, sessions: SessionsDep
) -> None:
    """Deletes the bot and its conversations; tasks it created stay on the user's list.
    Its visitors' open chats are told and closed."""
    if not await bots.delete_bot(db=db, user_id=user["_id"], key=key):
        raise _NOT_FOUND
    await sessions.end(published_agent_room(key), "unpublished")


def public_base_url(settings: Settings, request: Request) -> str:
    """Where visitors reach this server: PUBLIC_URL, else the address this request came
    to (behind nginx, uvicorn's proxy headers make that the public one)."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


def publication_public(bot: AgentProfile, base_url: str) -> PublicationPublic:
    publication = bot.publication
    if publication is None:
        return PublicationPublic(
            enabled=False,
            slug=None,
            url=None,
            embed_snippet=None,
            allowed_origins=[],
            greeting=None,
            daily_token_budget=0,
            booking_enabled=bot.scheduling_enabled,
        )
    return PublicationPublic(
        enabled=publication.enabled,
        slug=publication.slug,
        url=share_url(base_url, publication.slug),
        embed_snippet=embed_snippet(base_url, publication.slug),
        allowed_origins=publication.allowed_origins,
        greeting=publication.greeting,
        daily_token_budget=publication.daily_token_budget,
        booking_enabled=publication.booking_enabled,
    )


async def _own_bot(db: Database, user_id: str, key: str) -> AgentProfile:
    bot = await bots.get_bot(db=db, user_id=user_id, key=key)
    if bot is not None:
        return bot
    if any(agent.key == key for agent in BUILTIN_AGENTS):
        raise ApiError(status.HTTP_409_CONFLICT, ErrorCode.CLONE_TO_PUBLISH)
    raise _NOT_FOUND


@router.get("/{key}/public", response_model=PublicationPublic)
async def read_publication(
    key: BotKey, user: CurrentUser, db: DbDep, settings: SettingsDep, request: Request
) -> PublicationPublic:
    bot = await _own_bot(db, user["_id"], key)
    return publication_public(bot, public_base_url(settings, request))


@router.put("/{key}/public", response_model=PublicationPublic)
async def publish_custom_bot(
    key: BotKey,
    body: PublicationUpdate,
    user: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    request: Request,
    sessions: SessionsDep,
) -> PublicationPublic:
    """Publishes the bot to visitors (share link and widget), or takes it offline
    (`enabled: false`; the slug is kept for when it comes back): its visitors' open
    chats are told and closed at once. A built-in agent is published by cloning it
    into a bot first."""
    bot = await _own_bot(db, user["_id"], key)
    publication = publish(bot, body.model_dump(include=body.model_fields_set))
    try:
        stored = await bots.set_publication(
            db=db, user_id=user["_id"], key=key, publication=publication
        )
    except bots.SlugTakenError:
        raise ApiError(status.HTTP_409_CONFLICT, ErrorCode.SLUG_TAKEN) from None
    if stored is None:  # deleted meanwhile
        raise _NOT_FOUND
    if not publication.enabled:
        await sessions.end(published_agent_room(key), "unpublished")
    return publication_public(stored, public_base_url(settings, request))


@router.post("/{key}/clone", response_model=BotEnvelope, status_code=status.HTTP_201_CREATED)
async def clone_custom_bot(
    key: BotKey,
    user: CurrentUser,
    db: DbDep,
    language: UserLanguage,
    body: Annotated[BotClone | None, Body()] = None,
) -> BotEnvelope:
    """A new bot with the same settings (and the same encrypted key: one owner). A
    built-in agent is cloned as the caller reads it (their language): the way to change
    or publish one."""
    source = await bots.get_bot(db=db, user_id=user["_id"], key=key)
    if source is None:
        builtin = next((agent for agent in BUILTIN_AGENTS if agent.key == key), None)
        if builtin is None:
            raise _NOT_FOUND
        source = localized(builtin, language)
    name = clone_name(source, body.name if body is not None else None, language)
    bot = await bots.create_bot(
        db=db, user_id=user["_id"], fields={**clone_fields(source), "name": name}
    )
    return BotEnvelope(bot=bot_public(bot))
