import { useEffect, useRef, type ReactNode } from 'react';
import type { User } from '../api/api';
import { Footer } from './Footer';
import { TopBar } from './TopBar';

interface PageLayoutProps {
  user: User;
  title: string;
  subheading?: string;
  /** Next to the title (a button, for instance). */
  actions?: ReactNode;
  children: ReactNode;
  /** Tables want more room than forms. */
  width?: 'narrow' | 'wide';
}

/** The frame of the signed-in pages other than the library: top bar, titled column, footer. */
export function PageLayout({ user, title, subheading, actions, children, width = 'narrow' }: PageLayoutProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);

  // A new page starts at its top, and (after in-app navigation, which leaves focus on
  // <body>) moves focus to its heading so that screen readers announce where we are.
  useEffect(() => {
    window.scrollTo(0, 0);
    if (document.activeElement === document.body || document.activeElement === null) headingRef.current?.focus({ preventScroll: true });
  }, []);

  return (
    <div className="app-page">
      <TopBar user={user} />
      <main className={`page page--${width}`}>
        <header className="page-header">
          <div className="page-header-text">
            <h1 ref={headingRef} tabIndex={-1} className="page-title">
              {title}
            </h1>
            {subheading && <p className="page-subheading">{subheading}</p>}
          </div>
          {actions && <div className="page-header-actions">{actions}</div>}
        </header>
        {children}
      </main>
      <Footer />
    </div>
  );
}

/** A titled white panel, the building block of the settings-like pages. */
export function Card({ title, description, icon, children, className, labelledBy }: { title?: string; description?: ReactNode; icon?: ReactNode; children: ReactNode; className?: string; labelledBy?: string }) {
  return (
    <section className={`card${className ? ` ${className}` : ''}`} aria-labelledby={title ? labelledBy : undefined}>
      {title && (
        <header className="card-header">
          {icon && <span className="card-icon">{icon}</span>}
          <div>
            <h2 id={labelledBy} className="card-title">
              {title}
            </h2>
            {description && <p className="card-description">{description}</p>}
          </div>
        </header>
      )}
      {children}
    </section>
  );
}
