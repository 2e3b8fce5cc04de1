// The one place where error codes become HTTP statuses. Codes are acme-dns's where it has one,
// so clients that match on them keep working; every error body is {"error": "<code>"}.

const statusByCode: Readonly<Record<string, number>> = {
  forbidden: 401,
  bad_txt: 400,
  bad_address: 400,
  bad_subdomain: 400,
  malformed_json_payload: 400,
  invalid_allowfrom_cidr: 400,
  registration_closed: 403,
  registration_forbidden: 403,
  bad_request: 400,
  not_found: 404,
  body_too_large: 413,
  rate_limited: 429,
  request_timeout: 408,
  account_limit_reached: 403,
  insufficient_storage: 503,
  overloaded: 503,
  database_unavailable: 503,
  internal_error: 500,
};

export function httpStatusFor(code: string): number {
  return statusByCode[code] ?? 500;
}

export function isKnownCode(code: string): boolean {
  return code in statusByCode;
}
