// People in the web UI, in a real Chromium against a real Coffer with the real face model:
// two photos of the same woman are uploaded, her face is named in the viewer (its box sits
// on the picture, wherever the picture is drawn), the People page shows her with both
// photos, and her page lists the other one, which opens in the viewer with her name on it.
// A third, less certain photo asks "Is this …?"; a group of unnamed faces is named, and people
// are renamed, hidden, merged and deleted on the People page.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsCanRun, createUserFromCli, ensureWebBuilt, eventually, launchChromium, openPage, settled, uploadFiles } from '../helpers/browser.js';
import { ASTRONAUT_PATH, GROUP_PHOTOS, hasAstronaut } from '../helpers/faces.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const canRun = browserTestsCanRun() && hasAstronaut();
/** The face model loads in the server on first use and runs on a shared two-core machine. */
const FACES_MS = 120_000;
/** A test that waits on the faces step (Vitest's own limit here is 60 s). */
const TEST_MS = FACES_MS + 60_000;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Placement {
  drawn: Rect;
  expected: Rect;
  stage: number;
  picture: number;
}

describe.skipIf(!canRun)('people in a real browser', () => {
  let server: LiveServer;
  let browser: Browser;
  let page: Page;
  let mediaDir: string;
  const pageErrors: string[] = [];
  const user = { username: 'eileen', email: 'eileen@example.com', password: 'a people passphrase' };
  const file = (name: string) => path.join(mediaDir, name);
  const tile = (name: string) => page.locator(`[data-testid="gallery-tile"][data-name="${name}"]`);
  const NAME = 'Eileen Collins';

  beforeAll(async () => {
    mediaDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-people-media-'));
    const portrait = readFileSync(ASTRONAUT_PATH);
    writeFileSync(file('portrait.png'), portrait);
    // The same portrait, smaller and recompressed: another photo of her to the model.
    writeFileSync(file('copy.jpg'), await sharp(portrait).resize(380).jpeg({ quality: 70 }).toBuffer());
    // Brighter, washed out and hue-shifted: the model is less sure it is her (similarity ~0.55).
    writeFileSync(file('tinted.jpg'), await sharp(portrait).modulate({ brightness: 1.4, saturation: 0.3, hue: 90 }).jpeg().toBuffer());
    // Three other people, twice (the second mirrored and smaller): groups of unnamed faces.
    const group = GROUP_PHOTOS[0]!.bytes();
    writeFileSync(file('group.jpg'), group);
    writeFileSync(file('mirrored.jpg'), await sharp(group).flop().resize(1400).jpeg({ quality: 70 }).toBuffer());
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureWebBuilt();
    server = await startLiveServer({ env: { FACES_ENABLED: '1' } });
    createUserFromCli(server, user);
    browser = await launchChromium();
    page = await openPage(browser, pageErrors, { viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  /**
   * Where the face box is drawn, and where the API's fractions put it on the drawn picture
   * (inside the <img>, which object-fit: contain may letterbox). A string: no DOM types here.
   */
  const boxPlacement = () =>
    page.evaluate<Placement>(`(async () => {
      const img = document.querySelector('[data-testid="viewer-image"]');
      const box = document.querySelector('[data-testid="face-box"]');
      const fileId = decodeURIComponent(location.pathname.split('/').at(-1));
      const { items } = await (await fetch('/api/v1/files/' + fileId + '/faces')).json();
      const face = items.find((item) => item.id === box.dataset.faceId).box;
      const element = img.getBoundingClientRect();
      const scale = Math.min(element.width / img.naturalWidth, element.height / img.naturalHeight);
      const width = img.naturalWidth * scale;
      const height = img.naturalHeight * scale;
      const left = element.x + (element.width - width) / 2;
      const top = element.y + (element.height - height) / 2;
      const drawn = box.getBoundingClientRect();
      return {
        drawn: { x: drawn.x, y: drawn.y, width: drawn.width, height: drawn.height },
        expected: { x: left + face.x * width, y: top + face.y * height, width: face.width * width, height: face.height * height },
        stage: document.querySelector('[data-testid="viewer-stage"]').getBoundingClientRect().width,
        picture: width,
      };
    })()`);

  /** Within a pixel and a half on every side. The layer is measured by a ResizeObserver, so
   * after a resize it follows the picture a frame later: wait for it rather than race it. */
  const expectBoxOnFace = async () => {
    const offBy = async () => {
      const { drawn, expected } = await boxPlacement();
      return Object.fromEntries((['x', 'y', 'width', 'height'] as const).map((key) => [key, Math.abs(drawn[key] - expected[key]) >= 1.5]));
    };
    await eventually(offBy).toEqual({ x: false, y: false, width: false, height: false });
  };

  it('draws the faces found in a photo over the picture, and names one', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill(user.username);
    await page.getByTestId('login-password').fill(user.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${server.url}/`);

    await uploadFiles(page, [file('portrait.png'), file('copy.jpg')]);
    // Both photos' steps (the faces step among them) end; the event stream says so.
    for (const name of ['portrait.png', 'copy.jpg']) await eventually(() => tile(name).getAttribute('data-processing'), FACES_MS).toBe('done');

    await tile('portrait.png').click();
    const box = page.getByTestId('face-box');
    await eventually(() => box.count(), FACES_MS).toBe(1);
    expect(await box.getAttribute('data-state')).toBe('unnamed');
    expect(await box.getAttribute('aria-label')).toBe('Who is this?');
    // The 512 px portrait is drawn at its size in the middle of a far wider stage: the box is
    // placed on the picture, not on the stage around it.
    const wide = await boxPlacement();
    expect(wide.stage).toBeGreaterThan(wide.picture + 200);
    await expectBoxOnFace();
    // Narrow and short: the picture is scaled down, and the box follows it.
    await page.setViewportSize({ width: 700, height: 420 });
    await eventually(async () => (await boxPlacement()).picture).toBeLessThan(400);
    await expectBoxOnFace();
    await page.setViewportSize({ width: 1280, height: 900 });

    await box.click();
    const input = page.getByTestId('face-name-input');
    await eventually(() => page.evaluate<string | null>(`document.activeElement?.getAttribute('data-testid') ?? null`)).toBe('face-name-input');
    // Keys typed into the form are the form's: Escape there closes it, not the viewer.
    await input.press('Escape');
    await eventually(() => page.getByTestId('face-popover').count()).toBe(0);
    expect(page.url()).toMatch(/\/files\/[0-9a-f-]{36}$/);
    await box.click();
    await input.fill(NAME);
    await page.getByTestId('face-name-save').click();
    await eventually(() => box.getAttribute('data-person')).toBe(NAME);
    await eventually(() => page.getByTestId('face-popover').count()).toBe(0);
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'people-viewer.png') });
  }, TEST_MS);

  it('hides the boxes on request, and remembers it across a reload', async () => {
    await page.getByTestId('faces-toggle').click();
    await eventually(() => page.getByTestId('face-box').count()).toBe(0);
    expect(await page.getByTestId('faces-toggle').getAttribute('aria-pressed')).toBe('false');
    await page.reload();
    await page.getByTestId('viewer-image').waitFor();
    await page.getByTestId('faces-toggle').waitFor();
    expect(await page.getByTestId('face-box').count()).toBe(0);
    await page.getByTestId('faces-toggle').click();
    await eventually(() => page.getByTestId('face-box').getAttribute('data-person')).toBe(NAME);
  });

  it('lists her on the People page, with both photos, and her page lists the other one', async () => {
    await page.getByTestId('viewer-back').click();
    await page.getByTestId('user-menu').click();
    await page.getByTestId('menu-people').click();
    await page.waitForURL(`${server.url}/people`);
    const card = page.locator(`[data-testid="person-card"][data-name="${NAME}"]`);
    await card.waitFor();
    expect(await page.getByTestId('person-card').count()).toBe(1);
    // Naming the portrait attached the copy's face to her too.
    await eventually(() => card.getByTestId('person-photo-count').textContent()).toBe('2 photos');
    // The cover is cut from the portrait's thumbnail, which loaded.
    await eventually(() => card.getByTestId('face-crop').locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'people-page.png') });

    await card.locator('a').first().click();
    await page.waitForURL(new RegExp(`${server.url}/people/[0-9a-f-]{36}$`));
    expect(await page.getByTestId('person-name-heading').textContent()).toBe(NAME);
    await tile('copy.jpg').waitFor();
    expect(await page.getByTestId('gallery-tile').count()).toBe(2);

    await tile('copy.jpg').click();
    await page.waitForURL(new RegExp('/people/[0-9a-f-]{36}/files/[0-9a-f-]{36}$'));
    await eventually(() => page.getByTestId('face-box').getAttribute('data-person')).toBe(NAME);
    await expectBoxOnFace();
    await page.getByTestId('viewer-back').click();
    await page.waitForURL(new RegExp(`${server.url}/people/[0-9a-f-]{36}$`));
    expect(pageErrors).toEqual([]);
  });

  it('asks about a face the model is less sure of, and names it once confirmed', async () => {
    await page.goto(`${server.url}/`);
    await uploadFiles(page, [file('tinted.jpg')]);
    await eventually(() => tile('tinted.jpg').getAttribute('data-processing'), FACES_MS).toBe('done');
    await tile('tinted.jpg').click();
    const box = page.getByTestId('face-box');
    await eventually(() => box.getAttribute('data-state'), FACES_MS).toBe('suggested');
    expect(await box.getAttribute('aria-label')).toBe(`Is this ${NAME}?`);
    await box.click();
    await page.getByTestId('face-confirm').click();
    await eventually(() => box.getAttribute('data-person')).toBe(NAME);
    await page.getByTestId('viewer-back').click();
  }, TEST_MS);

  const card = (name: string) => page.locator(`[data-testid="person-card"][data-name="${name}"]`);
  /** Picks an item of a person card's "…" menu. */
  const act = async (name: string, item: string) => {
    await card(name).getByTestId('person-actions').click();
    await page.getByTestId(item).click();
  };

  it('names a group of unnamed faces, then renames, hides, merges and deletes people', async () => {
    await page.goto(`${server.url}/`);
    await uploadFiles(page, [file('group.jpg'), file('mirrored.jpg')]);
    for (const name of ['group.jpg', 'mirrored.jpg']) await eventually(() => tile(name).getAttribute('data-processing'), FACES_MS).toBe('done');
    await page.getByTestId('user-menu').click();
    await page.getByTestId('menu-people').click();
    const clusters = page.getByTestId('cluster-card');
    await eventually(() => clusters.count()).toBeGreaterThanOrEqual(1);
    const before = await clusters.count();
    // A group holds one face of each photo: naming it makes a person in both.
    const first = clusters.first();
    expect(await first.getAttribute('data-faces')).toBe('2');
    await first.getByTestId('cluster-name').click();
    await first.getByTestId('cluster-name-input').fill('Friend');
    await first.getByTestId('cluster-name-save').click();
    await eventually(() => card('Friend').getByTestId('person-photo-count').textContent()).toBe('2 photos');
    await eventually(() => clusters.count()).toBe(before - 1);
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'people-groups.png') });

    // Rename and link.
    await act('Friend', 'person-action-edit');
    await page.getByTestId('person-name').fill('Ana');
    await page.getByTestId('person-link').fill('https://example.com/ana');
    await page.getByTestId('person-save').click();
    await card('Ana').waitFor();
    expect(await card('Friend').count()).toBe(0);

    // Hidden people only behind "Show hidden", marked as such; shown again from there.
    await act('Ana', 'person-action-hide');
    await eventually(() => card('Ana').count()).toBe(0);
    // The box follows the address, which React Router updates in a transition: click, then wait.
    await page.getByTestId('people-show-hidden').click();
    await eventually(() => card('Ana').getAttribute('data-hidden')).toBe('true');
    await act('Ana', 'person-action-hide');
    await eventually(() => card('Ana').getAttribute('data-hidden')).toBe('false');
    await page.getByTestId('people-show-hidden').click();
    await eventually(() => page.getByTestId('people-show-hidden').isChecked()).toBe(false);
    await card('Ana').waitFor();

    // Merged into Eileen (in three photos): Ana goes, her two photos count for Eileen.
    await act('Ana', 'person-action-merge');
    await page.getByTestId('merge-target').selectOption({ label: NAME });
    await page.getByTestId('merge-confirm').click();
    await eventually(() => card('Ana').count()).toBe(0);
    await eventually(() => card(NAME).getByTestId('person-photo-count').textContent()).toBe('5 photos');

    // Deleted after confirming: no one is left, the photos stay.
    await act(NAME, 'person-action-delete');
    await page.getByTestId('person-delete-confirm').click();
    await eventually(() => page.getByTestId('person-card').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, TEST_MS);
});
