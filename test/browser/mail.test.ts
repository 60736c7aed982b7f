// Mail in the browser: register → the verification mail arrives at a real SMTP server → its
// link verifies the address → the banner goes; and forgot → reset → sign in with the new password.
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsCanRun, ensureWebBuilt, launchChromium } from '../helpers/browser.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { linkIn, TestSmtpServer } from '../helpers/smtp.js';

const canRun = browserTestsCanRun();

describe.skipIf(!canRun)('mail in a real browser', () => {
  const smtp = new TestSmtpServer();
  let server: LiveServer;
  let browser: Browser;
  let page: Page;
  const username = `mail${Date.now().toString(36)}`;
  const email = `${username}@example.com`;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    await ensureWebBuilt();
    await smtp.start();
    server = await startLiveServer({ env: { SMTP_URL: smtp.url, MAIL_RETRY_BASE_SECONDS: '1' } });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await smtp.stop();
  });

  // Without PUBLIC_URL the links name the address the server listens on.
  const open = async (link: string) => {
    expect(link.startsWith(`${server.url}/`)).toBe(true);
    await page.goto(link);
  };

  it('register → the mail arrives → the link verifies the address → the banner goes', async () => {
    await page.goto(`${server.url}/register`);
    await page.getByTestId('register-name').fill('Mara Lima');
    await page.getByTestId('register-username').fill(username);
    await page.getByTestId('register-email').fill(email);
    await page.getByTestId('register-password').fill(password);
    await page.getByTestId('register-confirm').fill(password);
    await page.getByTestId('register-submit').click();
    await page.waitForURL(`${server.url}/`);
    await page.getByText(`Please confirm your e-mail address: we sent a link to ${email}.`).waitFor();

    const [mail] = await smtp.waitFor(email);
    await open(linkIn(mail!, '/verify-email').url);
    await page.getByText('Thank you: your e-mail address is confirmed.').waitFor();
    await page.goto(`${server.url}/`);
    await page.getByText('Your vault is empty').waitFor();
    expect(await page.getByText('Please confirm your e-mail address').count()).toBe(0);
  });

  it('forgot password → the reset link → signs in with the new password', async () => {
    await page.context().clearCookies();
    await page.goto(`${server.url}/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL('**/forgot-password');
    await page.locator('#forgot-email').fill(email);
    await page.getByTestId('forgot-submit').click();
    await page.getByText('If an account uses this address').waitFor();

    const reset = (await smtp.waitFor(email, 2)).find((m) => m.subject === 'Reset your Coffer password')!;
    await open(linkIn(reset, '/reset-password').url);
    await page.locator('#reset-password').fill('a brand new password');
    await page.getByTestId('reset-submit').click();
    await page.getByText('Your password was changed.').waitFor();

    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill(username);
    await page.getByTestId('login-password').fill('a brand new password');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${server.url}/`);
  });
});
