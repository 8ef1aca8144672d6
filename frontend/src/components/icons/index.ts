/**
 * The UI's icons: glyphs of the lucide-react set (https://lucide.dev) under the names the
 * components use, with the app's size and stroke (see ./icon.tsx). Swap a glyph here to
 * change an icon everywhere.
 */
import {
  ArrowDown,
  Check,
  ChevronDown,
  CircleExclamationPoint,
  CloudOff,
  Copy,
  FileText,
  Image as ImageGlyph,
  Info,
  Layers2,
  PanelRight,
  Paperclip,
  RefreshCw,
  SendHorizontal,
  Sparkle,
  Trash,
  Upload,
  User,
  X,
} from 'lucide-react';
import { appIcon } from './icon';

export type { IconProps } from './icon';

export const AlertIcon = appIcon(CircleExclamationPoint, 'AlertIcon');
export const ArrowDownIcon = appIcon(ArrowDown, 'ArrowDownIcon');
export const CheckIcon = appIcon(Check, 'CheckIcon');
export const ChevronDownIcon = appIcon(ChevronDown, 'ChevronDownIcon');
export const CloseIcon = appIcon(X, 'CloseIcon');
export const CloudOffIcon = appIcon(CloudOff, 'CloudOffIcon');
export const CopyIcon = appIcon(Copy, 'CopyIcon');
export const FileIcon = appIcon(FileText, 'FileIcon');
export const ImageIcon = appIcon(ImageGlyph, 'ImageIcon');
export const InfoIcon = appIcon(Info, 'InfoIcon');
export const LayersIcon = appIcon(Layers2, 'LayersIcon');
export const PanelIcon = appIcon(PanelRight, 'PanelIcon');
export const PaperclipIcon = appIcon(Paperclip, 'PaperclipIcon');
export const RefreshIcon = appIcon(RefreshCw, 'RefreshIcon');
export const SendIcon = appIcon(SendHorizontal, 'SendIcon');
export const SparkleIcon = appIcon(Sparkle, 'SparkleIcon');
export const TrashIcon = appIcon(Trash, 'TrashIcon');
export const UploadIcon = appIcon(Upload, 'UploadIcon');
export const UserIcon = appIcon(User, 'UserIcon');
