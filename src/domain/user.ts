/** An account as the rest of the app sees it (never its password hash). */
export interface User {
  id: string;
  username: string;
  name: string;
  email: string;
  isAdmin: boolean;
  disabled: boolean;
  sessionsValidAfter: number;
  createdAt: string;
  emailVerified: boolean;
  /** The address is on the mail suppression list (it bounced or complained). */
  emailSuppressed: boolean;
  noticesEnabled: boolean;
  language: string;
  faceRecognition: boolean;
}

/** A browser's sign-in, as the session store keeps it (the store sees only the id's hash). */
export interface Session {
  id: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}
