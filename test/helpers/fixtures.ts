import type { ApiTester } from './api-tester.js';
import { signIn, type Account, type TestApp } from './app.js';

/**
 * Test data made the way the product makes it — through the app's services, as `coffer user
 * create --admin` does — never rows written into the database by hand, so a fixture cannot
 * hold what the app itself would never store.
 */

/** An administrator account, with the password ApiTester.addUser would give it. */
export async function createAdmin(t: TestApp, username: string, password = `${username}-password-1`): Promise<{ username: string; password: string }> {
  await t.services.accounts.createUser({ username, email: `${username}@example.com`, name: `Test ${username}`, password, isAdmin: true });
  return { username, password };
}

/** An administrator, signed in (as signUp gives an ordinary account). */
export async function signUpAdmin(t: TestApp, username: string): Promise<Account> {
  const { password } = await createAdmin(t, username, `correct horse ${username}`);
  return signIn(t.app, username, password);
}

/** An administrator that `api` can act as (`{ as: username }`). */
export async function addAdmin(t: TestApp, api: ApiTester, username: string): Promise<void> {
  const { password } = await createAdmin(t, username);
  api.knowUser(username, password);
}
