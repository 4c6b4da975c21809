/**
 * Where the client is: `connecting` (opening the socket), `syncing` (connected, catching up with what it
 * missed), `live` (caught up; what the store shows is the service's state), `offline` (no connection;
 * it keeps trying unless the session ended or the client was closed).
 */
export type ConnectionState = 'connecting' | 'syncing' | 'live' | 'offline';
