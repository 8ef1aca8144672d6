import { Icon, type IconProps } from './Icon';

export function TrashIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M4 7h16" />
      <path d="M9.5 7V4.8c0-.5.4-.8.8-.8h3.4c.5 0 .8.4.8.8V7" />
      <path d="m6 7 .9 12.1c.1 1 .9 1.9 2 1.9h6.2c1 0 1.9-.8 2-1.9L18 7" />
      <path d="M10 11v6M14 11v6" />
    </Icon>
  );
}
