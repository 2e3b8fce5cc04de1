// Which database errors are faults of the storage (full disk, read-only or locked file, I/O
// errors) rather than bugs: the API answers them 503 database_unavailable, the transaction has
// rolled back, and the next request simply tries again once the fault clears.

const faultCodes = /^SQLITE_(FULL|READONLY|BUSY|LOCKED|IOERR|CANTOPEN|PROTOCOL|NOLFS)(_|$)/;

export function isStorageFault(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && faultCodes.test(code)) return true;
  // Node's own file errors from the disk-space probe.
  return typeof code === 'string' && ['ENOSPC', 'EROFS', 'EIO', 'EDQUOT'].includes(code);
}
