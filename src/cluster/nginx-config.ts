/**
 * The nginx configuration in front of Coffer instances, as text. Pure: `coffer cluster`
 * writes it for its processes, and deploy/nginx.conf.template is its site part rendered
 * for docker-compose. The comments in the output say why each directive is there.
 */

export const BALANCE_METHODS = ['round-robin', 'ip-hash', 'least-conn'] as const;
export type BalanceMethod = (typeof BALANCE_METHODS)[number];

/** Passive health checks: this many failures within the window take an instance out for the window. */
export const MAX_FAILS = 2;
export const FAIL_TIMEOUT_SECONDS = 5;
/** Room for the multipart framing around a file of MAX_UPLOAD_BYTES. */
const MULTIPART_SLACK_BYTES = 1024 * 1024;
/** Open connections one client address may hold (browsers use six per site; NAT puts many people behind one address). */
export const CONNECTIONS_PER_ADDRESS = 100;
export const WORKER_CONNECTIONS = 4096;
/** The header that tells an instance the request came through this balancer (PROXY_SECRET). */
export const PROXY_SECRET_HEADER = 'X-Coffer-Proxy-Secret';

export interface SiteOptions {
  /** `host:port` of each Coffer instance. */
  upstreams: readonly string[];
  balance: BalanceMethod;
  /** nginx's `listen` parameter, e.g. `127.0.0.1:8000` or `80`. */
  listen: string;
  maxUploadBytes: number;
  accessLog: string;
  /** With a local blob folder: the X-Accel-Redirect prefix and the folder it maps to. */
  accel?: { prefix: string; objectsDir: string } | undefined;
  /** The instances' PROXY_SECRET: sent with every request, so they believe X-Forwarded-* from nginx only. */
  proxySecret?: string | undefined;
}

export interface NginxOptions extends SiteOptions {
  /** nginx's own folder: pid file, error log, temporary files (so it runs without root). */
  dir: string;
  /** Workers' user when nginx starts as root; they must read the instances' blob files. */
  user?: string | undefined;
}

const BALANCE_DIRECTIVE: Record<BalanceMethod, string> = {
  'round-robin': '    # round-robin (nginx\'s default): instances share all state, so any of them will do.',
  'ip-hash': '    # ip_hash: a client address stays with one instance while that instance is up.\n    ip_hash;',
  'least-conn': '    # least_conn: the instance with the fewest open requests, good with long downloads.\n    least_conn;',
};

/**
 * nginx keeps only a few of the proxied response's headers when it follows X-Accel-Redirect
 * (Content-Type, Content-Disposition, Cache-Control, Accept-Ranges, Set-Cookie, Expires).
 * The internal location puts back the others Coffer sets on content.
 */
const RESTORED_HEADERS = [
  'ETag',
  'Last-Modified',
  'X-Content-Type-Options',
  'Content-Security-Policy',
  'Cross-Origin-Resource-Policy',
  'Cross-Origin-Opener-Policy',
  'Origin-Agent-Cluster',
  'Referrer-Policy',
  'Strict-Transport-Security',
  'X-DNS-Prefetch-Control',
  'X-Download-Options',
  'X-Frame-Options',
  'X-Permitted-Cross-Domain-Policies',
  'X-XSS-Protection',
  'X-Request-Id',
  'X-Coffer-Instance',
];

const upstreamVariable = (header: string) => `$upstream_http_${header.toLowerCase().replaceAll('-', '_')}`;

function renderUpstream({ upstreams, balance }: SiteOptions): string {
  return `upstream coffer {
${BALANCE_DIRECTIVE[balance]}
    # Passive health checks: after ${MAX_FAILS} failed attempts within ${FAIL_TIMEOUT_SECONDS} s an instance rests for ${FAIL_TIMEOUT_SECONDS} s,
    # then real requests try it again, so a restarted instance rejoins by itself.
${upstreams.map((address) => `    server ${address} max_fails=${MAX_FAILS} fail_timeout=${FAIL_TIMEOUT_SECONDS}s;`).join('\n')}
    # Shared by nginx's workers: one view of failures and open connections, not one each.
    zone coffer 64k;
    # Idle connections kept open to the instances: no TCP handshake per request.
    keepalive 32;
}`;
}

function renderProxyHeaders(proxySecret: string | undefined): string {
  return `        proxy_pass http://coffer;
        # HTTP/1.1 with an empty Connection header is what upstream keepalive needs.
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        # Set, not appended to: nginx is the edge, so a client cannot slip in an address that
        # Coffer (TRUST_PROXY = this balancer only) would believe.
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $http_host;
${
  proxySecret === undefined
    ? ''
    : `        # Proves to the instances that this is the balancer (PROXY_SECRET): another local
        # process reaching an instance's port cannot make it believe X-Forwarded-*.
        proxy_set_header ${PROXY_SECRET_HEADER} "${proxySecret}";
`
}        # One id per request, in nginx's log and Coffer's alike.
        proxy_set_header X-Request-Id $request_id;

        # Another instance is tried when one cannot be reached or fails at the gateway level,
        # for idempotent requests only (no "non_idempotent"): an upload cut off mid-way fails
        # for its client instead of being stored twice. Not on 503: Coffer answers 503 when a
        # service all instances share (database, storage, sessions) is down — the instance
        # is fine, another would answer the same, and counting it would take every instance
        # out (max_fails) for requests that do not need that service. Coffer's own 503 is
        # passed on as it is.
        proxy_next_upstream error timeout http_502 http_504;
        proxy_next_upstream_tries 3;
        proxy_connect_timeout 2s;`;
}

function renderProxyLocation(proxySecret: string | undefined): string {
  return `    location / {
${renderProxyHeaders(proxySecret)}

        # Streaming both ways, nothing spooled whole: an upload reaches Coffer as it arrives
        # (Coffer counts, hashes and checks it on the way); a download reaches the client
        # through a few bounded buffers and never a temporary file.
        proxy_request_buffering off;
        client_body_buffer_size 128k;
        proxy_buffering on;
        proxy_buffers 8 64k;
        proxy_busy_buffers_size 128k;
        proxy_max_temp_file_size 0;
    }`;
}

/**
 * Sign-in, registration and password bodies are small: nginx reads each whole before
 * passing it on, so a client trickling one holds a cheap nginx connection, never an
 * instance's.
 */
function renderAuthLocation(proxySecret: string | undefined): string {
  return `    location /api/v1/auth/ {
${renderProxyHeaders(proxySecret)}

        proxy_request_buffering on;
        client_max_body_size 64k;
        client_body_buffer_size 64k;
    }`;
}

/**
 * Live events (server-sent events): each event must reach the browser when it is written,
 * and a stream stays open for minutes with only heartbeats on it.
 */
function renderEventsLocation(proxySecret: string | undefined): string {
  return `    location = /api/v1/events {
${renderProxyHeaders(proxySecret)}

        # Passed on as written, never held in a buffer (Coffer also says X-Accel-Buffering: no).
        proxy_buffering off;
        proxy_cache off;
        # Coffer writes a heartbeat every EVENTS_HEARTBEAT_SECONDS (20 s); an instance silent
        # for longer than several of them is gone, and the browser reconnects to another.
        proxy_read_timeout 120s;
    }`;
}

function renderAccelLocation({ prefix, objectsDir }: { prefix: string; objectsDir: string }): string {
  return `    # Content downloads: Coffer authorizes the request (owner check, conditional request,
    # range validity) and answers with X-Accel-Redirect: ${prefix}<blob key>; nginx then sends
    # the file itself with sendfile, ranges included. "internal": clients cannot ask for it.
    location ${prefix} {
        internal;
        alias ${objectsDir.endsWith('/') ? objectsDir : `${objectsDir}/`};
        # Coffer has already answered If-None-Match / If-Modified-Since; nginx's own ETag
        # (mtime-size) would only disagree with Coffer's (the SHA-256).
        etag off;
        if_modified_since off;
${RESTORED_HEADERS.map((header) => `        add_header ${header} ${upstreamVariable(header)};`).join('\n')}
    }`;
}

function renderErrorLocations(): string {
  return `    # Errors nginx produces itself answer in Coffer's JSON error shape, like Coffer's own.
    # (Coffer's own errors pass through untouched: proxy_intercept_errors is off.)
    error_page 408 =408 @request_timeout;
    error_page 413 =413 @too_large;
    error_page 429 =429 @too_many_connections;
    error_page 502 503 504 =503 @unavailable;
    location @request_timeout {
        default_type application/json;
        return 408 '{"error":"The request did not arrive in time.","code":"request_timeout"}';
    }
    location @too_large {
        default_type application/json;
        return 413 '{"error":"The upload is larger than this server accepts; nothing was stored.","code":"too_large"}';
    }
    location @too_many_connections {
        default_type application/json;
        add_header Retry-After 5 always;
        return 429 '{"error":"Too many open connections from your address; try again shortly.","code":"rate_limited"}';
    }
    location @unavailable {
        default_type application/json;
        add_header Retry-After 5 always;
        return 503 '{"error":"Coffer is unavailable; try again shortly.","code":"unavailable"}';
    }`;
}

/** The http-level part: upstream, log format and server. */
export function renderSite(options: SiteOptions): string {
  const locations = [renderProxyLocation(options.proxySecret), renderAuthLocation(options.proxySecret), renderEventsLocation(options.proxySecret), ...(options.accel ? [renderAccelLocation(options.accel)] : []), renderErrorLocations()];
  return `${renderUpstream(options)}

# Public-link tokens are credentials: the log names the link route, never the token.
map $request_uri $coffer_logged_uri {
    "~^(?<coffer_route>/api/v1/links|/s)/[^/?]+(?<coffer_rest>.*)$" "$coffer_route/[redacted]$coffer_rest";
    default $request_uri;
}

log_format coffer '$remote_addr [$time_local] "$request_method $coffer_logged_uri $server_protocol" $status $body_bytes_sent $request_time '
                  'upstream=$upstream_addr instance=$upstream_http_x_coffer_instance id=$request_id';

# Open connections per client address, counted across nginx's workers.
limit_conn_zone $binary_remote_addr zone=coffer_per_address:10m;

server {
    listen ${options.listen};
    server_tokens off;
    access_log ${options.accessLog} coffer buffer=64k flush=1s;
    # The largest upload Coffer accepts (MAX_UPLOAD_BYTES) plus the multipart framing.
    client_max_body_size ${options.maxUploadBytes + MULTIPART_SLACK_BYTES};

    # Slow clients: headers must arrive within 15 s, and a body may pause at most 15 s
    # between two reads (an upload at any steady speed is fine; a byte every 20 s is not).
    client_header_timeout 15s;
    client_body_timeout 15s;
    send_timeout 60s;
    # One address cannot hold every connection nginx has (worker_connections).
    limit_conn coffer_per_address ${CONNECTIONS_PER_ADDRESS};
    limit_conn_status 429;

${locations.join('\n\n')}
}
`;
}

/** A complete nginx.conf for `nginx -p DIR -c DIR/nginx.conf`, run in the foreground. */
export function renderNginxConfig(options: NginxOptions): string {
  const { dir } = options;
  return `# Generated by \`coffer cluster\` (src/cluster/nginx-config.ts); rewritten at every start.
${options.user ? `# nginx runs as root here: its workers take the instances' user to read their 0600 blob files.\nuser ${options.user};\n` : ''}# The cluster command supervises nginx by its PID, so it stays in the foreground.
daemon off;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/nginx-error.log warn;

# Each proxied request takes two connections (client and instance), each a descriptor.
worker_rlimit_nofile ${WORKER_CONNECTIONS * 2};

events {
    worker_connections ${WORKER_CONNECTIONS};
}

http {
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    # Every path nginx writes is in this folder, so it needs no root and no /var/lib/nginx.
    client_body_temp_path ${dir}/tmp/client_body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;

${indent(renderSite(options))}}
`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `    ${line}`))
    .join('\n');
}
