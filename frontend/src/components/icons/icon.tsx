import type { LucideIcon, LucideProps } from 'lucide-react';

export type IconProps = Omit<LucideProps, 'ref' | 'size'> & {
  /** Accessible name; without it the icon is decorative (aria-hidden). */
  title?: string;
  size?: number;
};

/** The UI's icon look: 20px by default, a 1.8 stroke on the 24-unit grid (scaling with size), currentColor. */
export const ICON_SIZE = 20;
export const ICON_STROKE = 1.8;

/** One of the app's icons, drawn by a lucide-react glyph with the app's defaults. */
export function appIcon(Glyph: LucideIcon, displayName: string) {
  function AppIcon({ title, size = ICON_SIZE, strokeWidth = ICON_STROKE, ...rest }: IconProps) {
    return (
      <Glyph size={size} strokeWidth={strokeWidth} focusable="false" role={title ? 'img' : undefined} {...rest}>
        {title ? <title>{title}</title> : null}
      </Glyph>
    );
  }
  AppIcon.displayName = displayName;
  return AppIcon;
}
