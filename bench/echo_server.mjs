// The transport floor in Node: a bare socket.io server (defaults: no per-message deflate).
// Answers `agent:send` like the Python echo: an ack, then one `agent:message`.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2]);
const httpServer = createServer();
const io = new Server(httpServer, { transports: ['websocket', 'polling'] });

io.on('connection', (socket) => {
  socket.on('agent:send', (data, ack) => {
    const cmid = data?.clientMessageId;
    socket.emit('agent:message', {
      agentKey: data?.agentKey,
      contactId: data?.contactId,
      id: cmid,
      author: 'agent',
      text: data?.message,
      timestamp: Date.now(),
      replyTo: cmid,
    });
    if (typeof ack === 'function') ack({ ok: true, messageId: cmid });
  });
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port, perMessageDeflate: false }));
});
process.on('SIGTERM', () => { io.close(); httpServer.close(); process.exit(0); });
