"""Administrators grant and revoke the admin role; the change is felt at the target's
next request (the role is read from the database, not from the token)."""

from __future__ import annotations

import httpx

from tests.pages.conftest import FIRST_ADMIN
from tests.support.clients import Account, register
from tests.support.servers import ServerProcess


async def first_admin(server: ServerProcess) -> Account:
    """ADMIN_EMAILS names this e-mail: its account is an administrator from sign-up."""
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        login = await http.post(
            "/auth/login", json={"email": FIRST_ADMIN, "password": "correct horse battery staple"}
        )
    if login.status_code == 200:
        body = login.json()
        return Account(
            server.base_url,
            FIRST_ADMIN,
            "correct horse battery staple",
            body["access_token"],
            body["refresh_token"],
            body["user"]["id"],
        )
    return await register(server.base_url, name="First Admin", email=FIRST_ADMIN)


async def test_admins_grant_and_revoke_the_role_and_it_takes_effect_at_once(
    pages_server: ServerProcess,
) -> None:
    admin = await first_admin(pages_server)
    person = await register(pages_server.base_url, name="Bea Nunes")
    async with httpx.AsyncClient(base_url=pages_server.base_url) as http:
        me = await http.get("/auth/me", headers=admin.headers)
        assert me.json()["role"] == "admin"

        refused = await http.get("/admin/users", headers=person.headers)
        assert refused.status_code == 403 and refused.json()["code"] == "admin_required"
        grab = await http.put(
            f"/admin/users/{person.user_id}/admin", json={"admin": True}, headers=person.headers
        )
        assert grab.status_code == 403
        assert (await http.get("/admin/usage", headers=person.headers)).status_code == 403

        listed = await http.get("/admin/users", headers=admin.headers)
        assert listed.status_code == 200
        rows = {u["id"]: u for u in listed.json()["users"]}
        assert rows[admin.user_id]["admin"] is True
        assert rows[person.user_id] | {"createdAt": None} == {
            "id": person.user_id,
            "name": "Bea Nunes",
            "email": person.email,
            "admin": False,
            "createdAt": None,
        }

        granted = await http.put(
            f"/admin/users/{person.user_id}/admin", json={"admin": True}, headers=admin.headers
        )
        assert granted.status_code == 200 and granted.json()["admin"] is True
        # The same token as before: the role is read per request.
        assert (await http.get("/admin/usage", headers=person.headers)).status_code == 200
        assert (await http.get("/auth/me", headers=person.headers)).json()["role"] == "admin"

        revoked = await http.put(
            f"/admin/users/{person.user_id}/admin", json={"admin": False}, headers=admin.headers
        )
        assert revoked.status_code == 200 and revoked.json()["admin"] is False
        assert (await http.get("/admin/usage", headers=person.headers)).status_code == 403

        unknown = await http.put(
            "/admin/users/no-such-user/admin", json={"admin": True}, headers=admin.headers
        )
        assert unknown.status_code == 404 and unknown.json()["code"] == "user_not_found"
        bad = await http.put(
            f"/admin/users/{person.user_id}/admin", json={"admin": "yes"}, headers=admin.headers
        )
        assert bad.status_code == 422


async def test_the_last_administrator_cannot_be_revoked(pages_server: ServerProcess) -> None:
    admin = await first_admin(pages_server)
    async with httpx.AsyncClient(base_url=pages_server.base_url, headers=admin.headers) as http:
        users = (await http.get("/admin/users")).json()["users"]
        for other in users:  # whatever other tests granted: only the first admin is left
            if other["admin"] and other["id"] != admin.user_id:
                await http.put(f"/admin/users/{other['id']}/admin", json={"admin": False})
        last = await http.put(
            f"/admin/users/{admin.user_id}/admin",
            json={"admin": False},
            headers={"Accept-Language": "pt-BR"},
        )
        assert last.status_code == 409 and last.json()["code"] == "last_admin"
        assert (await http.get("/admin/users")).status_code == 200  # still an admin
