// The administrators' switch for "Who is this?" in a real Chromium against a real Coffer: an
// admin turns the finder off in Administration → Notable people, and the public /who page
// (a guest, in a context of its own) then says in words that it is off, in both languages;
// on again, it takes photos again. With WHO_ENABLED=0 the switch is shown locked, and why.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsCanRun, createUserFromCli, ensureWebBuilt, launchChromium, openPage, settled } from '../helpers/browser.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const canRun = browserTestsCanRun();
// Refused by its bytes (415) once the finder is on, by the switch (404) while it is off: either
// way before the face model, so no case here waits for it to load.
const NOT_A_PHOTO = path.join(ROOT, 'test/fixtures/not-media.txt');
const root = { username: 'finderadmin', email: 'finderadmin@example.com', password: 'the finder admin passphrase' };

/** A live server with an administrator made as an operator would (`coffer user create --admin`). */
async function serverWithAdmin(env: Record<string, string> = {}): Promise<LiveServer> {
  const server = await startLiveServer({ env });
  createUserFromCli(server, root, { admin: true });
  return server;
}

async function signInToPeopleTab(page: Page, server: LiveServer): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(root.username);
  await page.getByTestId('login-password').fill(root.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
  await page.goto(`${server.url}/admin/people`);
  await page.getByTestId('who-switch-state').waitFor();
}

const VIEWPORT = { viewport: { width: 1280, height: 900 } };

describe.skipIf(!canRun)('the /who switch in a real browser', () => {
  let server: LiveServer;
  let browser: Browser;
  let admin: Page;
  let guest: Page;
  const pageErrors: string[] = [];
  const settings = async () => (await admin.request.get(`${server.url}/api/v1/admin/settings`)).json();

  /** The guest picks a file on /who and reads what the page says. */
  async function guestAsks(): Promise<string> {
    await guest.goto(`${server.url}/who`);
    await guest.getByTestId('who-input').setInputFiles(NOT_A_PHOTO);
    const alert = guest.getByRole('alert');
    await alert.waitFor();
    return alert.innerText();
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureWebBuilt();
    server = await serverWithAdmin();
    browser = await launchChromium();
    admin = await openPage(browser, pageErrors, VIEWPORT);
    guest = await openPage(browser, pageErrors, VIEWPORT);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the finder on, and /who takes files', async () => {
    await signInToPeopleTab(admin, server);
    expect(await admin.getByTestId('who-switch').isChecked()).toBe(true);
    expect(await admin.getByTestId('who-switch-state').innerText()).toBe('On: anyone can use the finder at /who.');
    expect(await guestAsks()).toBe('This file is not a JPEG, PNG, WebP, GIF or AVIF image.');
  });

  it('the admin turns it off: the server keeps it, and /who says the finder is off, in English and Portuguese', async () => {
    await admin.getByTestId('who-switch').click();
    await admin.getByText('Off: /who tells visitors that the finder is turned off, and looks at no photo.').waitFor();
    expect(await admin.getByTestId('who-switch').isChecked()).toBe(false);
    expect(await settings()).toEqual({ whoEnabled: false, whoLockedByEnvironment: false });
    await settled(admin);
    await admin.screenshot({ path: path.join(ARTIFACTS, 'admin-who-switch-off.png'), fullPage: true });

    // Said as the page opens, before any photo is chosen…
    await guest.goto(`${server.url}/who`);
    expect(await guest.getByRole('alert').innerText()).toBe('The finder is turned off on this server.');
    // …and again when one is.
    expect(await guestAsks()).toBe('The finder is turned off on this server.');
    await guest.getByTestId('lang-switch').selectOption('pt-BR');
    await guest.getByText('O buscador está desligado neste servidor.').waitFor();
    await guest.getByTestId('lang-switch').selectOption('en');
  });

  it('survives a reload, and on again /who takes files again', async () => {
    await admin.reload();
    await admin.getByTestId('who-switch-state').waitFor();
    expect(await admin.getByTestId('who-switch').isChecked()).toBe(false);
    await admin.getByTestId('who-switch').click();
    await admin.getByText('On: anyone can use the finder at /who.').waitFor();
    expect(await settings()).toEqual({ whoEnabled: true, whoLockedByEnvironment: false });
    expect(await guestAsks()).toBe('This file is not a JPEG, PNG, WebP, GIF or AVIF image.');
  });

  it('ran without script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(!canRun)('the /who switch locked by WHO_ENABLED=0, in a real browser', () => {
  let server: LiveServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await serverWithAdmin({ WHO_ENABLED: '0' });
    browser = await launchChromium();
    page = await openPage(browser, pageErrors, VIEWPORT);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the switch off and disabled, and says why, in both languages', async () => {
    await signInToPeopleTab(page, server);
    const toggle = page.getByTestId('who-switch');
    expect([await toggle.isChecked(), await toggle.isDisabled()]).toEqual([false, true]);
    expect(await page.getByTestId('who-switch-state').innerText()).toContain('locked by the server’s environment (WHO_ENABLED=0)');
    await page.getByTestId('lang-switch').selectOption('pt-BR');
    await page.getByText('Desligado e travado pelo ambiente do servidor (WHO_ENABLED=0)', { exact: false }).waitFor();
    await page.getByTestId('lang-switch').selectOption('en');
    expect(pageErrors).toEqual([]);
  });
});
