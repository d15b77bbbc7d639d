import { bplistLines, isBplist } from './bplist.js';
import { oneLine, startsWith } from './bytes.js';
import { dexStrings, isDex } from './dex.js';
import { printableStrings } from './printable.js';
import { isResChunkFile, resStrings } from './res-chunks.js';

/** Formats without strings worth scanning: skipped quietly (their metadata is not where keys live). */
const MEDIA = /\.(png|jpe?g|gif|webp|heic|ico|mp3|mp4|m4a|aac|ogg|oga|wav|flac|ttf|otf|woff2?)$/i;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf16le = new TextDecoder('utf-16le');
const utf16be = new TextDecoder('utf-16be');

/**
 * The scannable text of one (non-archive) entry, chosen by its content first and its name
 * second, since an attacker or a build tool may name anything anything: DEX string table,
 * Android binary resources, binary plist, text (UTF-8, or UTF-16 with a BOM as in .strings
 * files) as is, and the printable strings of everything else (native libraries, Mach-O, AAB
 * protobuf resources). `undefined` for media files.
 */
export function entryText(b: Uint8Array, name: string, warn: (reason: string) => void): string | undefined {
  if (isDex(b)) return dexStrings(b, warn).map(oneLine).join('\n');
  if (isResChunkFile(b)) return resStrings(b, warn).map(oneLine).join('\n');
  if (isBplist(b)) return bplistLines(b, warn).join('\n');
  if (MEDIA.test(name)) return undefined;
  if (b[0] === 0xff && b[1] === 0xfe) return utf16le.decode(b.subarray(2));
  if (b[0] === 0xfe && b[1] === 0xff) return utf16be.decode(b.subarray(2));
  if (!b.includes(0)) {
    try {
      return strictUtf8.decode(startsWith(b, '\u00ef\u00bb\u00bf') ? b.subarray(3) : b);
    } catch {
      // not UTF-8: fall through to the printable strings
    }
  }
  return printableStrings(b).join('\n');
}
