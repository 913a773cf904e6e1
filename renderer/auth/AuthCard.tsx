/** The frame of the login, first-admin, lock and password screens: product name, title, one form. */
import type { FormEvent, ReactNode } from 'react';

export function AuthCard({
  testId,
  product,
  title,
  intro,
  error,
  onSubmit,
  children,
  overlay,
}: {
  testId: string;
  product: string;
  title: string;
  intro?: ReactNode;
  error?: string;
  onSubmit: () => void;
  children: ReactNode;
  /** Drawn over the (hidden) workspace instead of in its place. */
  overlay?: boolean;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <div className={`auth-screen${overlay ? ' auth-overlay' : ''}`} data-testid={testId}>
      <form className="auth-card" onSubmit={submit} noValidate>
        <div className="auth-product">{product}</div>
        <h1>{title}</h1>
        {intro && <div className="auth-intro">{intro}</div>}
        {children}
        {error && (
          <div className="error auth-error" role="alert" data-testid={`${testId}-error`}>
            {error}
          </div>
        )}
      </form>
    </div>
  );
}

export function AuthField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field auth-field">
      <span className="field-label">{label}</span>
      {children}
    </label>
  );
}
