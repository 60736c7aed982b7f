// Accounts, access tokens, sharing, public links and administration in a real Chromium
// against a real Coffer process. Three people: ana (owner), bruno (shared with) and root
// (an administrator made with the CLI), plus a visitor without any account. Screenshots
// land in test-artifacts/ for a human look.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { browserTestsCanRun, createUserFromCli, ensureWebBuilt, eventually, FFMPEG, launchChromium, playAndSeek, printServerLogOnFailure, settled, uploadFiles } from '../helpers/browser.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const canRun = browserTestsCanRun();

interface Person {
  username: string;
  name: string;
  email: string;
  password: string;
}

function ffmpeg(...args: string[]): void {
  execFileSync(FFMPEG, ['-v', 'error', '-y', ...args], { stdio: 'pipe' });
}

describe.skipIf(!canRun)('accounts, tokens, sharing and administration in a real browser', () => {
  let server: LiveServer;
  let browser: Browser;
  let mediaDir: string;
  let video = '';
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];

  const stamp = Date.now().toString(36);
  const ana: Person = { username: `ana${stamp}`, name: 'Ana Souza', email: `ana${stamp}@example.com`, password: 'correct horse battery staple' };
  const bruno: Person = { username: `bruno${stamp}`, name: 'Bruno Lima', email: `bruno${stamp}@example.com`, password: 'another long passphrase' };
  const root: Person = { username: 'root', name: 'root', email: 'root@example.com', password: 'the administrator passphrase' };
  const linkPassword = 'open sesame';
  printServerLogOnFailure(() => server, 80);

  let anaPage: Page;
  let brunoPage: Page;
  let linkUrl = '';

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    context.setDefaultTimeout(15_000);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    return page;
  }

  async function signIn(page: Page, person: Person): Promise<void> {
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill(person.username);
    await page.getByTestId('login-password').fill(person.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${server.url}/`);
  }

  async function openFromMenu(page: Page, item: string): Promise<void> {
    await page.getByTestId('user-menu').click();
    await page.getByTestId(item).click();
  }

  async function register(person: Person): Promise<void> {
    const response = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest' },
      body: JSON.stringify({ name: person.name, username: person.username, email: person.email, password: person.password }),
    });
    expect(response.status, await response.text()).toBe(201);
  }

  beforeAll(async () => {
    mediaDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-access-media-'));
    video = path.join(mediaDir, 'harbour-walk.mp4');
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', video);
    mkdirSync(ARTIFACTS, { recursive: true });

    await ensureWebBuilt();

    // Requests logged (debug), so that a failure's printout says what the page asked for.
    server = await startLiveServer({ env: { LOG_LEVEL: 'debug' } });
    // The first administrator comes from the command line, as in a real installation.
    createUserFromCli(server, root, { admin: true });
    await register(ana);
    await register(bruno);

    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  it('signs ana in and uploads a video', async () => {
    anaPage = await newPage();
    await signIn(anaPage, ana);
    await uploadFiles(anaPage, [video]);
    await anaPage.locator('[data-testid="gallery-tile"][data-kind="video"]').waitFor({ timeout: 30_000 });
  }, 120_000);

  it('creates an access token, shows its secret once, and revokes it', async () => {
    await openFromMenu(anaPage, 'menu-tokens');
    await anaPage.waitForURL('**/tokens');
    await anaPage.getByRole('heading', { name: 'Access tokens', level: 1 }).waitFor();
    // Only administrators are offered the admin scope.
    expect(await anaPage.getByTestId('token-scope-admin').count()).toBe(0);

    await anaPage.getByTestId('token-name').fill('Backup script');
    await anaPage.getByTestId('token-scope-files:read').check();
    await anaPage.getByTestId('token-scope-shares:write').check();
    await anaPage.getByTestId('token-create').click();
    const secret = (await anaPage.getByTestId('token-secret').innerText()).trim();
    expect(secret.length).toBeGreaterThan(20);
    await eventually(() => anaPage.getByTestId('token-row').count()).toBe(1);

    const withToken = () => fetch(`${server.url}/api/v1/files`, { headers: { Authorization: `Bearer ${secret}`, Accept: 'application/json' } });
    const allowed = await withToken();
    expect(allowed.status).toBe(200);
    const listed = (await allowed.json()) as { items: Array<{ name: string }> };
    expect(listed.items.map((file) => file.name)).toEqual(['harbour-walk.mp4']);

    await anaPage.screenshot({ path: path.join(ARTIFACTS, 'tokens.png'), fullPage: true });

    // The secret is shown once: after a reload only the token's prefix remains.
    await anaPage.reload();
    await anaPage.getByTestId('token-row').first().waitFor();
    expect(await anaPage.getByTestId('token-secret').count()).toBe(0);
    expect(await anaPage.getByTestId('token-row').innerText()).toContain(secret.slice(0, 10));

    await anaPage.getByTestId('token-revoke').click();
    await anaPage.getByTestId('confirm-revoke').click();
    await eventually(() => anaPage.getByTestId('token-row').count()).toBe(0);
    await anaPage.getByText('The token “Backup script” was revoked.').waitFor();
    expect((await withToken()).status).toBe(401);
  });

  it('shares the video with bruno and creates a password-protected public link', async () => {
    await openFromMenu(anaPage, 'menu-library');
    await anaPage.waitForURL(`${server.url}/`);
    await anaPage.locator('[data-testid="gallery-tile"][data-kind="video"]').click();
    await anaPage.waitForURL(/\/files\/[^/]+$/);
    await anaPage.getByTestId('share-button').click();
    const panel = anaPage.getByTestId('share-panel');
    await panel.waitFor();

    // An unknown username is explained, not shared.
    await anaPage.getByTestId('share-username').fill('nobody-here');
    await anaPage.getByTestId('share-add').click();
    await panel.getByText('There is no active user called “nobody-here”.').waitFor();

    await anaPage.getByTestId('share-username').fill(bruno.username);
    await anaPage.getByTestId('share-add').click();
    await expect.poll(() => anaPage.getByTestId('share-row').count(), { timeout: 15_000 }).toBe(1);
    expect(await anaPage.getByTestId('share-row').getAttribute('data-username')).toBe(bruno.username);

    await anaPage.getByTestId('link-password').fill(linkPassword);
    await anaPage.getByTestId('link-create').click();
    // Hashing the link's password (argon2) can take a while on a busy machine.
    await expect.poll(() => anaPage.getByTestId('link-row').count(), { timeout: 15_000 }).toBe(1);
    expect(await anaPage.getByTestId('link-row').getAttribute('data-has-password')).toBe('true');
    linkUrl = await anaPage.getByTestId('link-url').inputValue();
    expect(linkUrl).toMatch(new RegExp(`^${server.url}/s/[^/]+$`));

    await settled(anaPage);
    await anaPage.screenshot({ path: path.join(ARTIFACTS, 'share.png') });

    // Escape closes the panel and leaves the viewer open.
    await anaPage.keyboard.press('Escape');
    await eventually(() => panel.isVisible()).toBe(false);
    expect(anaPage.url()).toMatch(/\/files\/[^/]+$/);
  });

  it('keeps focus inside the share dialog and gives it back to the Share button on close', async () => {
    const shareButton = anaPage.getByTestId('share-button');
    await shareButton.focus();
    await anaPage.keyboard.press('Enter');
    const panel = anaPage.getByTestId('share-panel');
    await panel.waitFor();
    // Strings, not functions: the tests' TypeScript has no DOM library.
    const focusInPanel = () => anaPage.evaluate<boolean>(`Boolean(document.activeElement?.closest('[data-testid="share-panel"]'))`);
    expect(await focusInPanel()).toBe(true);
    // More Tabs than the dialog has controls, both ways: focus wraps and never leaves it.
    const controls = await panel.locator('a[href], button:not([disabled]), input, select').count();
    for (let step = 0; step < controls + 3; step++) {
      await anaPage.keyboard.press('Tab');
      expect(await focusInPanel(), `after ${step + 1} Tab(s)`).toBe(true);
    }
    for (let step = 0; step < controls + 3; step++) {
      await anaPage.keyboard.press('Shift+Tab');
      expect(await focusInPanel(), `after ${step + 1} Shift+Tab(s)`).toBe(true);
    }
    await anaPage.getByTestId('modal-close').click();
    await eventually(() => panel.isVisible()).toBe(false);
    await eventually(() => anaPage.evaluate<string | null>(`document.activeElement?.getAttribute('data-testid') ?? null`)).toBe('share-button');
  });

  it("shows the file in bruno's Shared with me, read-only", async () => {
    brunoPage = await newPage();
    await signIn(brunoPage, bruno);
    await openFromMenu(brunoPage, 'menu-shared');
    await brunoPage.waitForURL('**/shared');
    const tile = brunoPage.getByTestId('gallery-tile');
    await tile.waitFor();
    expect(await tile.getAttribute('data-name')).toBe('harbour-walk.mp4');
    expect(await brunoPage.getByTestId('tile-owner').innerText()).toBe(`from ${ana.username}`);
    await brunoPage.screenshot({ path: path.join(ARTIFACTS, 'shared-with-me.png') });

    await tile.click();
    await brunoPage.waitForURL(/\/shared\/[^/]+$/);
    await brunoPage.getByTestId('viewer-video').waitFor();
    await brunoPage.getByTestId('viewer-read-only').waitFor();
    expect(await brunoPage.getByTestId('viewer-owner').innerText()).toContain(ana.username);
    expect(await brunoPage.getByTestId('viewer-download').isVisible()).toBe(true);
    for (const action of ['share-button', 'viewer-rename', 'viewer-delete']) {
      expect(await brunoPage.getByTestId(action).count(), action).toBe(0);
    }
    await brunoPage.keyboard.press('Escape');
    await brunoPage.waitForURL('**/shared');
  });

  it('opens the public link without an account, asks for the password and plays the video', async () => {
    const visitor = await newPage();
    await visitor.goto(linkUrl);
    await visitor.getByTestId('public-password').waitFor();

    await visitor.getByTestId('public-password').fill('not the password');
    await visitor.getByTestId('public-unlock').click();
    await visitor.getByText('That password is not correct.').waitFor();

    await visitor.getByTestId('public-password').fill(linkPassword);
    await visitor.getByTestId('public-unlock').click();
    const media = visitor.getByTestId('public-media');
    await media.waitFor();
    expect(await visitor.getByRole('heading', { name: 'harbour-walk.mp4' }).isVisible()).toBe(true);
    expect(await visitor.getByTestId('public-download').getAttribute('href')).toMatch(/^\/api\/v1\/links\/[^/]+\/content\?download=1$/);

    const { advanced, position } = await playAndSeek(media, 2.0);
    expect(advanced).toBeGreaterThan(0.2);
    expect(position).toBeCloseTo(2.0, 1);
    await settled(visitor);
    await visitor.screenshot({ path: path.join(ARTIFACTS, 'public-link.png') });
  });

  it('shows an administrator the users and the audit log', async () => {
    const admin = await newPage();
    await signIn(admin, root);
    await openFromMenu(admin, 'menu-admin');
    await admin.waitForURL('**/admin/users');
    const rows = admin.getByTestId('admin-user-row');
    await eventually(() => rows.count()).toBe(3);
    const names = await rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-username')));
    expect(names.sort()).toEqual([ana.username, bruno.username, root.username].sort());
    await admin.locator(`[data-testid="admin-user-row"][data-username="${root.username}"] [data-testid="badge-admin"]`).waitFor();

    // Searching narrows the table (debounced).
    await admin.getByTestId('admin-user-search').fill(bruno.username);
    await eventually(() => rows.count()).toBe(1);
    await admin.getByTestId('admin-user-search').fill('');
    await eventually(() => rows.count()).toBe(3);

    // An administrator cannot demote themselves: the server's reason is shown.
    await admin.locator(`[data-testid="admin-user-row"][data-username="${root.username}"] [data-testid="admin-user-actions"]`).click();
    await admin.getByTestId('admin-demote').click();
    await admin.getByTestId('admin-confirm').click();
    await admin.getByTestId('admin-action-error').waitFor();
    expect(await admin.getByTestId('admin-action-error').innerText()).toMatch(/administrator/i);
    await admin.keyboard.press('Escape');

    await admin.screenshot({ path: path.join(ARTIFACTS, 'admin-users.png'), fullPage: true });

    await admin.getByTestId('admin-tab-audit').click();
    await admin.waitForURL('**/admin/audit');
    await expect.poll(() => admin.locator('[data-testid="audit-row"][data-action="auth.login"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    for (const action of ['cli.user_create', 'token.revoke', 'share.create', 'link.create']) {
      expect(await admin.locator(`[data-testid="audit-row"][data-action="${action}"]`).count(), action).toBeGreaterThan(0);
    }
    await admin.screenshot({ path: path.join(ARTIFACTS, 'audit.png'), fullPage: true });

    // Actions and targets are shown in words, in the reader's language, not as raw codes.
    const sharedRow = admin.locator('[data-testid="audit-row"][data-action="share.create"]').first();
    expect(await sharedRow.getByTestId('audit-action-label').innerText()).toBe('File shared');
    expect(await sharedRow.getByTestId('audit-target').innerText()).toMatch(/^File/i);
    await admin.getByTestId('lang-switch').selectOption('pt-BR');
    await eventually(() => sharedRow.getByTestId('audit-action-label').innerText()).toBe('Arquivo compartilhado');
    expect(await sharedRow.getByTestId('audit-target').innerText()).toMatch(/^Arquivo/i);
    expect(await sharedRow.locator('.details').innerText()).toContain('Com:');
    const labels = await admin.getByTestId('audit-action-label').allInnerTexts();
    expect(labels.filter((label) => /^[a-z]+\.[a-z_]+$/.test(label)), 'raw action codes on screen').toEqual([]);
    await admin.screenshot({ path: path.join(ARTIFACTS, 'audit-pt-BR.png'), fullPage: true });
    await admin.getByTestId('lang-switch').selectOption('en');
    // Administrators see which instance served them; other people do not (below).
    expect(await admin.locator('footer').innerText()).toMatch(/Instance \S+/);

    // A family filter ("auth.") keeps only its actions.
    await admin.getByTestId('audit-action').selectOption('auth.');
    const onlyAuth = async () => (await admin.getByTestId('audit-row').evaluateAll((items) => items.map((item) => item.getAttribute('data-action')))).every((action) => action?.startsWith('auth.'));
    await eventually(onlyAuth).toBe(true);
    // The filter is in the address, so a reload keeps it.
    await eventually(() => new URL(admin.url()).searchParams.get('action')).toBe('auth.');
    await admin.reload();
    await admin.getByTestId('audit-row').first().waitFor();
    expect(await admin.getByTestId('audit-action').inputValue()).toBe('auth.');
    await eventually(onlyAuth).toBe(true);

    await admin.getByTestId('admin-tab-instances').click();
    await admin.waitForURL('**/admin/instances');
    await admin.locator('[data-testid="instance-row"], [data-testid="instances-unsupported"]').first().waitFor();
  });

  it('keeps Administration from people who are not administrators', async () => {
    await anaPage.getByTestId('viewer-back').click();
    await anaPage.getByTestId('user-menu').click();
    await anaPage.getByTestId('menu-settings').waitFor();
    expect(await anaPage.getByTestId('menu-admin').count()).toBe(0);
    expect(await anaPage.locator('footer').innerText()).not.toMatch(/Instance/);
    await anaPage.keyboard.press('Escape');
    await anaPage.goto(`${server.url}/admin/users`);
    await anaPage.getByRole('heading', { name: 'Page not found' }).waitFor();
  });

  it('changes the password in the settings and signs out everywhere', async () => {
    await openFromMenu(brunoPage, 'menu-settings');
    await brunoPage.waitForURL('**/settings');

    await brunoPage.getByTestId('password-current').fill('not my password');
    await brunoPage.getByTestId('password-new').fill('a brand new passphrase');
    await brunoPage.getByTestId('password-confirm').fill('a brand new passphrase');
    await brunoPage.getByTestId('password-submit').click();
    await brunoPage.locator('#password-current-note').waitFor();

    await brunoPage.getByTestId('password-current').fill(bruno.password);
    await brunoPage.getByTestId('password-submit').click();
    await brunoPage.getByTestId('password-changed').waitFor();
    bruno.password = 'a brand new passphrase';

    // The new session cookie and CSRF token work: a reload stays signed in, and a write
    // (signing out everywhere) is accepted.
    await brunoPage.reload();
    await brunoPage.getByRole('heading', { name: 'Account settings', level: 1 }).waitFor();
    await openFromMenu(brunoPage, 'sign-out-everywhere');
    await brunoPage.getByTestId('confirm-sign-out-everywhere').click();
    await brunoPage.waitForURL('**/login');
    await brunoPage.getByText('You have signed out on every device.').waitFor();
  });

  it('ran without script errors or Content-Security-Policy violations', () => {
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
