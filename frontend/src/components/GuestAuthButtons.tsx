import type { AuthView } from '../hooks/useAuth';
import { SignInIcon, UserPlusIcon } from './icons';

/** The top bar's Sign in and Create account, for a guest (accounts mode with guests allowed). */
export function GuestAuthButtons({ onShow }: { onShow: (view: AuthView) => void }) {
  return (
    <div className="guest-auth">
      <button type="button" className="button button--ghost" data-testid="header-signin" aria-label="Sign in" onClick={() => onShow('signin')}>
        <SignInIcon size={18} />
        <span className="button__label">Sign in</span>
      </button>
      <button type="button" className="button" data-testid="header-signup" aria-label="Create account" onClick={() => onShow('signup')}>
        <UserPlusIcon size={18} />
        <span className="button__label">Create account</span>
      </button>
    </div>
  );
}
