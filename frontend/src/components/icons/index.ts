/**
 * The UI's icons: glyphs of the lucide-react set (https://lucide.dev) under the names the
 * components use, with the app's size and stroke (see ./icon.tsx). Swap a glyph here to
 * change an icon everywhere.
 */
import {
  ArrowDown,
  Check,
  ChevronDown,
  ChevronLeft,
  ChevronRight,
  CircleExclamationPoint,
  CloudOff,
  Copy,
  Download,
  FileUp,
  FileText,
  Image as ImageGlyph,
  Info,
  KeyRound,
  Layers2,
  LogIn,
  LogOut,
  MessageSquare,
  PanelLeft,
  PanelRight,
  Paperclip,
  Pencil,
  RefreshCw,
  RotateCcw,
  Search,
  SendHorizontal,
  Square,
  SquarePen,
  Sparkle,
  Trash,
  Upload,
  User,
  UserPlus,
  X,
} from 'lucide-react';
import { appIcon } from './icon';

export type { IconProps } from './icon';

export const AlertIcon = appIcon(CircleExclamationPoint, 'AlertIcon');
export const ArrowDownIcon = appIcon(ArrowDown, 'ArrowDownIcon');
export const CheckIcon = appIcon(Check, 'CheckIcon');
export const ChevronDownIcon = appIcon(ChevronDown, 'ChevronDownIcon');
export const ChevronLeftIcon = appIcon(ChevronLeft, 'ChevronLeftIcon');
export const ChevronRightIcon = appIcon(ChevronRight, 'ChevronRightIcon');
export const CloseIcon = appIcon(X, 'CloseIcon');
export const CloudOffIcon = appIcon(CloudOff, 'CloudOffIcon');
export const CopyIcon = appIcon(Copy, 'CopyIcon');
export const DownloadIcon = appIcon(Download, 'DownloadIcon');
export const FileIcon = appIcon(FileText, 'FileIcon');
export const ImageIcon = appIcon(ImageGlyph, 'ImageIcon');
export const ImportIcon = appIcon(FileUp, 'ImportIcon');
export const InfoIcon = appIcon(Info, 'InfoIcon');
export const KeyIcon = appIcon(KeyRound, 'KeyIcon');
export const LayersIcon = appIcon(Layers2, 'LayersIcon');
export const SignInIcon = appIcon(LogIn, 'SignInIcon');
export const SignOutIcon = appIcon(LogOut, 'SignOutIcon');
export const ConversationIcon = appIcon(MessageSquare, 'ConversationIcon');
export const NewChatIcon = appIcon(SquarePen, 'NewChatIcon');
export const PanelIcon = appIcon(PanelRight, 'PanelIcon');
export const PaperclipIcon = appIcon(Paperclip, 'PaperclipIcon');
export const PencilIcon = appIcon(Pencil, 'PencilIcon');
export const RefreshIcon = appIcon(RefreshCw, 'RefreshIcon');
export const RegenerateIcon = appIcon(RotateCcw, 'RegenerateIcon');
export const SearchIcon = appIcon(Search, 'SearchIcon');
export const SendIcon = appIcon(SendHorizontal, 'SendIcon');
export const SidebarIcon = appIcon(PanelLeft, 'SidebarIcon');
export const SparkleIcon = appIcon(Sparkle, 'SparkleIcon');
export const StopIcon = appIcon(Square, 'StopIcon');
export const TrashIcon = appIcon(Trash, 'TrashIcon');
export const UploadIcon = appIcon(Upload, 'UploadIcon');
export const UserIcon = appIcon(User, 'UserIcon');
export const UserPlusIcon = appIcon(UserPlus, 'UserPlusIcon');
