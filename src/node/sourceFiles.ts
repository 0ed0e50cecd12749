/**
 * Python source from the disk for the evaluator's imports, as the CLI and the extension host
 * read it: a size cap, and a version stamp (modification time and size) for files outside the
 * user's own folders, which tells the evaluator that a package module it evaluated once (say
 * torchvision's resnet.py) can be reused until the file changes. Files inside the user's folders
 * get no stamp: their text is compared, since an editor may hold unsaved changes.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { sep } from 'node:path';

const maxSourceBytes = 10 * 1024 * 1024;

/** A Python file's text, or undefined when it is missing, unreadable or larger than 10 MB. */
export function readSourceFile(path: string): string | undefined {
  try {
    if (!existsSync(path) || statSync(path).size > maxSourceBytes) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `mtime:size` for a file outside `ownFolders`, or undefined (inside them, or unreadable). */
export function packageFileStamp(path: string, ownFolders: readonly string[]): string | undefined {
  if (ownFolders.some((folder) => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep)))
    return undefined;
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return undefined;
  }
}
