import { Icon, type IconProps } from './Icon';

export function SendIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M4.5 12 3 4.8c-.2-.9.7-1.6 1.5-1.2l15.2 7.5c.8.4.8 1.5 0 1.9L4.5 20.4c-.8.4-1.7-.3-1.5-1.2z" />
      <path d="M4.5 12H11" />
    </Icon>
  );
}
