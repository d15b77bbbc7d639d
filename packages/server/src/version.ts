/** Keyward's version, as in packages/server/package.json (a test keeps the two equal). A constant, so the bundle and the packed package need no package.json lookup at run time. */
export const VERSION = '0.1.0';
