import { describe, expect, it } from 'vitest';
import { renderNginxConfig, renderSite, type NginxOptions, type SiteOptions } from '../../src/cluster/nginx-config.js';

const GiB = 1024 ** 3;

const options: NginxOptions = {
  dir: '/srv/coffer/cluster',
  upstreams: ['127.0.0.1:40001', '127.0.0.1:40002', '127.0.0.1:40003'],
  balance: 'round-robin',
  listen: '127.0.0.1:8000',
  maxUploadBytes: 2 * GiB,
  accessLog: '/srv/coffer/cluster/logs/access.log',
  accel: { prefix: '/_protected_blobs/', objectsDir: '/srv/coffer/blobs/objects' },
};

/** The directives of a block, one per entry, without comments. */
function directives(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** The directives of the block that starts with `opening`, up to its matching brace. */
function block(text: string, opening: string): string[] {
  const lines = directives(text.slice(text.indexOf(`${opening} {`)));
  let depth = 0;
  const end = lines.findIndex((line) => (depth += (line.endsWith('{') ? 1 : 0) - (line === '}' ? 1 : 0)) === 0);
  return lines.slice(0, end + 1);
}

describe('the generated nginx configuration', () => {
  it.each([
    ['round-robin', []],
    ['ip-hash', ['ip_hash;']],
    ['least-conn', ['least_conn;']],
  ] as const)('balances %s over every instance, with passive health checks and keepalive', (balance, method) => {
    const upstream = block(renderSite({ ...options, balance }), 'upstream coffer');
    expect(upstream).toEqual([
      'upstream coffer {',
      ...method,
      'server 127.0.0.1:40001 max_fails=2 fail_timeout=5s;',
      'server 127.0.0.1:40002 max_fails=2 fail_timeout=5s;',
      'server 127.0.0.1:40003 max_fails=2 fail_timeout=5s;',
      'zone coffer 64k;',
      'keepalive 32;',
      '}',
    ]);
  });

  it('retries idempotent requests only, streams both ways, and sets the forwarded headers', () => {
    const proxy = block(renderSite(options), 'location /');
    // Not on 503: that is Coffer saying a shared service is down, not the instance failing.
    expect(proxy).toContain('proxy_next_upstream error timeout http_502 http_504;');
    expect(proxy.join('\n')).not.toContain('http_503');
    expect(proxy.join('\n')).not.toContain('non_idempotent');
    expect(proxy).toEqual(expect.arrayContaining(['proxy_request_buffering off;', 'proxy_max_temp_file_size 0;', 'proxy_http_version 1.1;', 'proxy_set_header Connection "";']));
    expect(proxy).toEqual(
      expect.arrayContaining(['proxy_set_header X-Forwarded-For $remote_addr;', 'proxy_set_header X-Forwarded-Proto $scheme;', 'proxy_set_header X-Forwarded-Host $http_host;']),
    );
  });

  it('buffers the small sign-in bodies, cuts slow clients off, and limits connections per address', () => {
    const site = renderSite(options);
    const server = block(site, 'server');
    expect(server).toEqual(expect.arrayContaining(['client_header_timeout 15s;', 'client_body_timeout 15s;', 'limit_conn coffer_per_address 100;', 'limit_conn_status 429;']));
    expect(directives(site)).toContain('limit_conn_zone $binary_remote_addr zone=coffer_per_address:10m;');
    const auth = block(site, 'location /api/v1/auth/');
    expect(auth).toEqual(expect.arrayContaining(['proxy_request_buffering on;', 'client_max_body_size 64k;', 'proxy_pass http://coffer;', 'proxy_set_header X-Forwarded-For $remote_addr;']));
    expect(block(site, 'location /')).toContain('proxy_request_buffering off;');
    expect(directives(renderNginxConfig(options))).toEqual(expect.arrayContaining(['worker_connections 4096;', 'worker_rlimit_nofile 8192;']));
  });

  it('passes live events on unbuffered, with a read timeout of several heartbeats', () => {
    const events = block(renderSite(options), 'location = /api/v1/events');
    expect(events).toEqual(expect.arrayContaining(['proxy_buffering off;', 'proxy_cache off;', 'proxy_read_timeout 120s;', 'proxy_pass http://coffer;', 'proxy_http_version 1.1;', 'proxy_set_header X-Forwarded-For $remote_addr;']));
    expect(events.join('\n')).not.toContain('proxy_buffering on');
  });

  it('sends the proxy secret to the instances in every proxied location, when there is one', () => {
    const site = renderSite({ ...options, proxySecret: 'a'.repeat(64) });
    for (const location of ['location /', 'location /api/v1/auth/', 'location = /api/v1/events']) expect(block(site, location)).toContain(`proxy_set_header X-Coffer-Proxy-Secret "${'a'.repeat(64)}";`);
    expect(renderSite(options)).not.toContain('X-Coffer-Proxy-Secret');
  });

  it('logs public-link requests without their token', () => {
    expect(renderSite(options)).toMatch(/log_format coffer '\$remote_addr \[\$time_local\] "\$request_method \$coffer_logged_uri \$server_protocol"/);
    expect(renderSite(options)).not.toMatch(/"\$request"/);
  });

  it('accepts uploads of MAX_UPLOAD_BYTES plus the multipart framing', () => {
    expect(directives(renderSite({ ...options, maxUploadBytes: 1000 }))).toContain(`client_max_body_size ${1000 + 1024 * 1024};`);
  });

  it('serves offloaded blobs from an internal location that restores the headers of Coffer', () => {
    const accel = block(renderSite(options), 'location /_protected_blobs/');
    expect(accel).toEqual(expect.arrayContaining(['internal;', 'alias /srv/coffer/blobs/objects/;', 'etag off;', 'if_modified_since off;']));
    expect(accel).toEqual(
      expect.arrayContaining([
        'add_header ETag $upstream_http_etag;',
        'add_header X-Content-Type-Options $upstream_http_x_content_type_options;',
        'add_header Content-Security-Policy $upstream_http_content_security_policy;',
        'add_header X-Coffer-Instance $upstream_http_x_coffer_instance;',
      ]),
    );
    expect(renderSite({ ...options, accel: undefined })).not.toContain('internal;');
  });

  it('keeps every file nginx writes in its own folder, runs in the foreground, and names a user only when asked', () => {
    const text = renderNginxConfig(options);
    for (const line of directives(text).filter((l) => /^(pid|error_log|\w+_temp_path) /.test(l))) expect(line, line).toContain('/srv/coffer/cluster/');
    expect(directives(text)).toContain('daemon off;');
    expect(text).not.toMatch(/^user /m);
    expect(renderNginxConfig({ ...options, user: 'coffer' })).toMatch(/^user coffer;$/m);
  });
});

/** The compose file's balancer: two instances reached by their service names, S3 for blobs. */
const COMPOSE: SiteOptions = {
  upstreams: ['coffer-1:8080', 'coffer-2:8080'],
  balance: 'round-robin',
  listen: '80',
  maxUploadBytes: 2 * GiB,
  accessLog: '/var/log/nginx/access.log',
};

const TEMPLATE_HEADER = `# Coffer behind nginx: the site part of what \`coffer cluster\` generates
# (src/cluster/nginx-config.ts), rendered for deploy/docker-compose.yml, where it is mounted
# as /etc/nginx/conf.d/default.conf inside nginx's http block. For another deployment, edit
# the upstream servers, listen and client_max_body_size (MAX_UPLOAD_BYTES + 1 MiB).
#
# With a local blob folder on the balancer's machine, \`coffer cluster\` also adds an internal
# location for X-Accel-Redirect (ACCEL_REDIRECT_PREFIX); with S3 it is not needed.
#
# TLS: terminate it here (listen 443 ssl …) or in a balancer in front (see deploy/AWS.md);
# set PUBLIC_URL=https://… either way so cookies are Secure and HSTS is sent.
#
# Regenerate after changing the generator: npx vitest run test/cluster/nginx-config.test.ts -u

`;

describe('deploy/nginx.conf.template', () => {
  it('is the generated site for docker-compose', async () => {
    await expect(TEMPLATE_HEADER + renderSite(COMPOSE)).toMatchFileSnapshot('../../deploy/nginx.conf.template');
  });
});
