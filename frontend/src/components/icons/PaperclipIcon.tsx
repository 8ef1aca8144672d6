import { Icon, type IconProps } from './Icon';

export function PaperclipIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="m20.5 11.5-8.1 8.1a5.2 5.2 0 0 1-7.4-7.4l8.4-8.4a3.5 3.5 0 0 1 4.9 4.9l-8.4 8.4a1.7 1.7 0 0 1-2.5-2.5l7.8-7.8" />
    </Icon>
  );
}
