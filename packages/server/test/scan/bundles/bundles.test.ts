import { deflateRawSync } from 'node:zlib';
import { findKeysInText } from '@keyward/protocol';
import { describe, expect, it } from 'vitest';
import { bundleEntries, bundleKind, DEFAULT_BUNDLE_LIMITS, type BundleItem } from '../../../src/scan/bundles/index.js';
import { arsc, axml, bplist, dex, PLANTED, toZip64, zip } from './fixtures.js';

/** Real APK/AAB/IPA layouts built in code, each with a planted key: it must come out under its virtual path. */
function extract(bytes: Uint8Array, name: string): { items: BundleItem[]; warnings: { path: string; reason: string }[] } {
  const warnings: { path: string; reason: string }[] = [];
  const items = [...bundleEntries(bytes, name, DEFAULT_BUNDLE_LIMITS, (w) => warnings.push(w))];
  return { items, warnings };
}

const textOf = (items: BundleItem[], path: string): string | undefined => items.find((i) => i.path === path)?.text;
const lineOf = (text: string | undefined, needle: string): number => (text ?? '').split('\n').findIndex((l) => l.includes(needle)) + 1;

const elf = (strings: string[]): Uint8Array => {
  const parts: number[] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const s of strings) parts.push(...Buffer.from(s, 'latin1'), 0, 0x90, 0xff, 0x01);
  return new Uint8Array(parts);
};

describe('APK', () => {
  const apk = zip([
    { name: 'AndroidManifest.xml', data: axml(['manifest', 'package', 'com.example.app', 'com.example.KEY', PLANTED]) },
    { name: 'classes.dex', data: dex(['<init>', 'Lcom/example/Api;', `Bearer ${PLANTED}`, 'caf\u00e9 \u{1f600}']) },
    { name: 'classes2.dex', data: dex(['secondary']), method: 0 },
    { name: 'resources.arsc', data: arsc(['Example', `${PLANTED}`], ['app_name', 'api_key']) },
    { name: 'res/xml/config.xml', data: axml(['config', 'endpoint', 'https://api.example.com']) },
    { name: 'assets/config.json', data: `{\n  "keyward": "${PLANTED}"\n}\n` },
    { name: 'lib/arm64-v8a/libnative.so', data: elf(['short', 'GLIBC_2.17', `key=${PLANTED}`]) },
    { name: 'res/drawable/icon.png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]) },
    { name: 'META-INF/', data: '' },
  ]);

  it('is recognised by name and by its first entry', () => {
    expect(bundleKind('app.apk', apk.subarray(0, 300))).toBe('apk');
    expect(bundleKind('download.bin', apk.subarray(0, 300))).toBe('apk');
    expect(bundleKind('notes.txt', new TextEncoder().encode('plain text'))).toBeUndefined();
    expect(bundleKind('fake.apk', new TextEncoder().encode('not a zip at all'))).toBeUndefined();
  });

  it('yields the DEX string table, one string per line, MUTF-8 decoded', () => {
    const { items, warnings } = extract(apk, 'app.apk');
    expect(warnings).toEqual([]);
    const text = textOf(items, 'app.apk!/classes.dex');
    expect(text?.split('\n')).toEqual(['<init>', 'Lcom/example/Api;', `Bearer ${PLANTED}`, 'caf\u00e9 \u{1f600}']);
    expect(lineOf(text, PLANTED)).toBe(3);
    expect(textOf(items, 'app.apk!/classes2.dex')).toBe('secondary');
  });

  it('yields the string pools of resources.arsc (UTF-8 values, UTF-16 keys) and of binary XML', () => {
    const { items } = extract(apk, 'app.apk');
    expect(textOf(items, 'app.apk!/resources.arsc')?.split('\n')).toEqual(['Example', PLANTED, 'string', 'app_name', 'api_key']);
    expect(textOf(items, 'app.apk!/AndroidManifest.xml')?.split('\n')).toContain(PLANTED);
    expect(textOf(items, 'app.apk!/res/xml/config.xml')?.split('\n')).toEqual(['config', 'endpoint', 'https://api.example.com']);
  });

  it('yields assets as they are and the printable strings (6 or more) of native libraries', () => {
    const { items } = extract(apk, 'app.apk');
    expect(lineOf(textOf(items, 'app.apk!/assets/config.json'), PLANTED)).toBe(2);
    const so = textOf(items, 'app.apk!/lib/arm64-v8a/libnative.so')?.split('\n');
    expect(so).toContain(`key=${PLANTED}`);
    expect(so).toContain('GLIBC_2.17');
    expect(so).not.toContain('short');
    expect(items.map((i) => i.path)).not.toContain('app.apk!/res/drawable/icon.png');
  });

  it('the planted key is found, checksum and all, in every place it was put', () => {
    const { items } = extract(apk, 'app.apk');
    const where = items.filter((i) => findKeysInText(i.text).includes(PLANTED)).map((i) => i.path);
    expect(where.sort()).toEqual(['app.apk!/AndroidManifest.xml', 'app.apk!/assets/config.json', 'app.apk!/classes.dex', 'app.apk!/lib/arm64-v8a/libnative.so', 'app.apk!/resources.arsc']);
  });
});

describe('AAB', () => {
  // An AAB keeps resources as protobuf (resources.pb, proto XML): a field is tag, length, UTF-8 bytes.
  const proto = (s: string): Uint8Array => new Uint8Array([0x0a, s.length, ...Buffer.from(s), 0x12, 0x02, 0x08, 0x01]);
  const aab = zip([
    { name: 'BundleConfig.pb', data: new Uint8Array([0x0a, 0x05, 0x08, 0x01, 0x10, 0x02, 0x18]) },
    { name: 'base/manifest/AndroidManifest.xml', data: proto(`com.example.app ${PLANTED}`) },
    { name: 'base/dex/classes.dex', data: dex([PLANTED]) },
    { name: 'base/resources.pb', data: proto('some_string_value') },
  ]);

  it('yields DEX strings and the printable strings of protobuf resources', () => {
    expect(bundleKind('x', aab.subarray(0, 300))).toBe('aab');
    const { items } = extract(aab, 'app.aab');
    expect(textOf(items, 'app.aab!/base/dex/classes.dex')).toBe(PLANTED);
    expect(findKeysInText(textOf(items, 'app.aab!/base/manifest/AndroidManifest.xml') ?? '')).toEqual([PLANTED]);
    expect(textOf(items, 'app.aab!/base/resources.pb')).toContain('some_string_value');
  });
});

describe('IPA', () => {
  const info = bplist({
    CFBundleIdentifier: 'com.example.app',
    CFBundleDisplayName: 'Caf\u00e9 \u2615',
    KeywardPublishableKey: PLANTED,
    UIRequiredDeviceCapabilities: ['arm64', { nested: 'deep value here' }],
    CFBundleVersion: 42,
    UIFileSharingEnabled: true,
    Blob: new Uint8Array([0, 1, ...Buffer.from('printable-in-data'), 0]),
  });
  const machO = new Uint8Array([0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0, 0, 1, ...Buffer.from(`__TEXT\0${PLANTED}\0__cstring`), 0xff]);
  const framework = zip([{ name: 'Inner.framework/Inner', data: machO }]);
  const ipa = zip([
    { name: 'Payload/X.app/Info.plist', data: info },
    { name: 'Payload/X.app/X', data: machO },
    { name: 'Payload/X.app/Settings.plist', data: `<?xml version="1.0"?>\n<plist><dict><key>k</key><string>${PLANTED}</string></dict></plist>\n` },
    { name: 'Payload/X.app/Frameworks/Sdk.framework/Sdk', data: machO },
    { name: 'Payload/X.app/Frameworks/Sdk.framework/Info.plist', data: bplist({ SdkKey: 'abc', Escaped: 'a"b\nc' }) },
    { name: 'Payload/X.app/en.lproj/Localizable.strings', data: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`"key" = "${PLANTED}";`, 'utf16le')]) },
    { name: 'Payload/X.app/Bundle.zip', data: framework },
  ]);

  it('is recognised by its Payload/ entry', () => {
    expect(bundleKind('app.ipa', ipa.subarray(0, 300))).toBe('ipa');
    expect(bundleKind('app', ipa.subarray(0, 300))).toBe('ipa');
  });

  it('decodes a binary Info.plist: dictionary string values as key = "value", ASCII and UTF-16BE, nested', () => {
    const { items, warnings } = extract(ipa, 'app.ipa');
    expect(warnings).toEqual([]);
    const lines = textOf(items, 'app.ipa!/Payload/X.app/Info.plist')?.split('\n') ?? [];
    expect(lines).toContain(`KeywardPublishableKey = "${PLANTED}"`);
    expect(lines).toContain('CFBundleDisplayName = "Caf\u00e9 \u2615"');
    expect(lines).toContain('nested = "deep value here"');
    expect(lines).toContain('arm64');
    expect(lines).toContain('printable-in-data');
    const sdk = textOf(items, 'app.ipa!/Payload/X.app/Frameworks/Sdk.framework/Info.plist')?.split('\n');
    expect(sdk).toContain('Escaped = "a\\"b\\nc"');
  });

  it('yields the executable, embedded frameworks, XML plists, UTF-16 .strings and nested archives', () => {
    const { items } = extract(ipa, 'app.ipa');
    const where = items.filter((i) => findKeysInText(i.text).includes(PLANTED)).map((i) => i.path);
    expect(where.sort()).toEqual([
      'app.ipa!/Payload/X.app/Bundle.zip!/Inner.framework/Inner',
      'app.ipa!/Payload/X.app/Frameworks/Sdk.framework/Sdk',
      'app.ipa!/Payload/X.app/Info.plist',
      'app.ipa!/Payload/X.app/Settings.plist',
      'app.ipa!/Payload/X.app/X',
      'app.ipa!/Payload/X.app/en.lproj/Localizable.strings',
    ]);
  });
});

describe('ZIP details', () => {
  it('reads UTF-8 entry names', () => {
    const z = zip([{ name: 'assets/caf\u00e9.txt', data: PLANTED }]);
    expect(extract(z, 'a.zip').items).toEqual([{ path: 'a.zip!/assets/caf\u00e9.txt', text: PLANTED }]);
  });

  it('reads ZIP64 archives: the ZIP64 end record and the sizes and offsets of the ZIP64 extra field', () => {
    const plain = zip([{ name: 'a.txt', data: 'alpha text' }, { name: 'classes.dex', data: dex([PLANTED]) }]);
    const { items, warnings } = extract(toZip64(plain), 'big.apk');
    expect(warnings).toEqual([]);
    expect(items).toEqual([{ path: 'big.apk!/a.txt', text: 'alpha text' }, { path: 'big.apk!/classes.dex', text: PLANTED }]);
  });

  it('reads an archive that lost its central directory from its local headers, with a warning', () => {
    const z = zip([{ name: 'a.txt', data: 'first entry' }, { name: 'b.txt', data: PLANTED }]);
    const cut = z.subarray(0, z.length - 60); // the directory and end record are gone
    const { items, warnings } = extract(cut, 'cut.zip');
    expect(items.map((i) => i.text)).toEqual(['first entry', PLANTED]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.path).toBe('cut.zip');
  });

  it('inflates a deflated entry exactly (sanity of the fixture and the reader)', () => {
    const text = 'x'.repeat(5000) + PLANTED;
    expect(deflateRawSync(text).length).toBeLessThan(200);
    expect(extract(zip([{ name: 't.txt', data: text }]), 'z.zip').items[0]!.text).toBe(text);
  });
});
