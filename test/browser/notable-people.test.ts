// Administration → Notable people in a real Chromium against a real Coffer: the form says what
// is wrong before anything is sent, a new person is listed without reference faces, a photo
// with no face is refused with a sentence that says so (and nothing is kept), a portrait adds
// one face, and deleting the person (after a confirmation) takes them off the list and the server.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsCanRun, createUserFromCli, ensureWebBuilt, eventually, launchChromium, openPage, settled } from '../helpers/browser.js';
import { ASTRONAUT_PATH, hasAstronaut } from '../helpers/faces.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const canRun = browserTestsCanRun();
/** The first photo makes the server load the face model (~0.5 GB): slow on a busy machine. */
const FACE_MODEL_MS = 150_000;

interface Person {
  id: string;
  name: string;
  description: string | null;
  url: string | null;
  photoCount: number;
}

describe.skipIf(!canRun)('the notable people tab in a real browser', () => {
  let server: LiveServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const posts: string[] = [];
  const root = { username: 'curator', email: 'curator@example.com', password: 'the curator passphrase' };
  const row = (name: string) => page.locator(`[data-testid="person-row"][data-name="${name}"]`);
  const listed = async () => ((await (await page.request.get(`${server.url}/api/v1/admin/notable-people`)).json()) as { items: Person[] }).items;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureWebBuilt();
    server = await startLiveServer();
    createUserFromCli(server, root, { admin: true });
    browser = await launchChromium();
    page = await openPage(browser, pageErrors, { viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.startsWith('/api/v1/admin/notable-people')) posts.push(new URL(request.url()).pathname);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens beside the other admin tabs, empty', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill(root.username);
    await page.getByTestId('login-password').fill(root.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/admin/users`);
    await page.getByTestId('admin-tab-people').click();
    await page.waitForURL(`${server.url}/admin/people`);
    await page.getByText('No notable people yet. Add the first one above.').waitFor();
    expect(await page.getByTestId('admin-tab-people').getAttribute('aria-current')).toBe('page');
  });

  it('says what is wrong with the form before sending anything', async () => {
    await page.getByTestId('person-name').fill('   ');
    await page.getByTestId('person-url').fill('ftp://example.com/ada');
    await page.getByTestId('person-create').click();
    const nameField = page.locator('.field', { has: page.getByTestId('person-name') });
    const urlField = page.locator('.field', { has: page.getByTestId('person-url') });
    await nameField.getByText('This field is required.').waitFor();
    await urlField.getByText('Enter an address starting with http:// or https://.').waitFor();
    expect(await page.getByTestId('person-name').getAttribute('aria-invalid')).toBe('true');
    expect(posts).toEqual([]);
  });

  it('adds a person, listed with no reference faces yet', async () => {
    await page.getByTestId('person-name').fill('Ada Lovelace');
    // Typing in a field clears its error.
    expect(await page.locator('.field', { has: page.getByTestId('person-name') }).locator('.field-error').count()).toBe(0);
    await page.getByTestId('person-url').fill('https://en.wikipedia.org/wiki/Ada_Lovelace');
    await page.getByTestId('person-description').fill('Mathematician');
    await page.getByTestId('person-create').click();
    await page.getByText('Ada Lovelace was added. Now add photos of their face.').waitFor();
    await row('Ada Lovelace').waitFor();
    expect(await row('Ada Lovelace').innerText()).toContain('Mathematician');
    expect(await row('Ada Lovelace').getByTestId('person-faces').innerText()).toBe('None yet: cannot be recognised');
    // The form is ready for the next person.
    expect(await page.getByTestId('person-name').inputValue()).toBe('');
    expect(await listed()).toEqual([expect.objectContaining({ name: 'Ada Lovelace', description: 'Mathematician', url: 'https://en.wikipedia.org/wiki/Ada_Lovelace', photoCount: 0 })]);
  });

  it(
    'refuses a photo without a face with a clear sentence, keeping nothing',
    async () => {
      await row('Ada Lovelace').getByTestId('person-photos-input').setInputFiles(path.join(ROOT, 'test/fixtures/sample.png'));
      const alert = page.getByTestId('people-notice-error');
      await alert.waitFor({ timeout: FACE_MODEL_MS });
      expect(await alert.innerText()).toContain('No face was found in a photo of Ada Lovelace, so nothing was added.');
      expect(await row('Ada Lovelace').getAttribute('data-faces')).toBe('0');
      expect((await listed())[0]?.photoCount).toBe(0);
    },
    FACE_MODEL_MS + 30_000,
  );

  it.runIf(hasAstronaut())(
    'adds the face of a portrait',
    async () => {
      await row('Ada Lovelace').getByTestId('person-photos-input').setInputFiles(ASTRONAUT_PATH);
      const notice = page.getByTestId('people-notice-success');
      await notice.waitFor({ timeout: FACE_MODEL_MS });
      expect(await notice.innerText()).toBe('One reference face added to Ada Lovelace.');
      await eventually(() => row('Ada Lovelace').getAttribute('data-faces')).toBe('1');
      expect(await row('Ada Lovelace').getByTestId('person-faces').innerText()).toBe('1');
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, 'admin-notable-people.png'), fullPage: true });
    },
    FACE_MODEL_MS + 30_000,
  );

  it('deletes the person after a confirmation', async () => {
    await row('Ada Lovelace').getByTestId('person-delete').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('“Who is this?” will no longer recognise Ada Lovelace.');
    // Cancelled first: nothing changes.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await listed()).toHaveLength(1);

    await row('Ada Lovelace').getByTestId('person-delete').click();
    await page.getByTestId('person-delete-confirm').click();
    await page.getByText('Ada Lovelace was deleted.').waitFor();
    await eventually(() => row('Ada Lovelace').count()).toBe(0);
    await page.getByText('No notable people yet. Add the first one above.').waitFor();
    expect(await listed()).toEqual([]);
  });

  it('ran without script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
