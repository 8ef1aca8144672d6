import { Icon, type IconProps } from './Icon';

export function CloudOffIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M3 3l18 18" />
      <path d="M8.5 6.2A6 6 0 0 1 17.7 10h.3a4 4 0 0 1 2.6 7" />
      <path d="M17 18H7a4.5 4.5 0 0 1-1.5-8.7" />
    </Icon>
  );
}
