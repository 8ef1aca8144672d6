import { navigation } from '../lib/navigation';
import type { OidcProviderOut } from '../types';

/**
 * One "Sign in with …" button per single sign-on provider: the whole page goes to the provider,
 * and comes back signed in (or with `?auth_error=`).
 */
export function OidcButtons({ providers }: { providers: OidcProviderOut[] }) {
  if (providers.length === 0) return null;
  return (
    <div className="auth__providers">
      {providers.map((p) => (
        <button
          key={p.id}
          type="button"
          className="button button--ghost auth__provider"
          data-testid={`oidc-button-${p.id}`}
          onClick={() => navigation.assign(p.login_url)}
        >
          Sign in with {p.name}
        </button>
      ))}
      <p className="auth__divider">
        <span>or with your email</span>
      </p>
    </div>
  );
}
