// Extracts the values a map looks up from the envelope (client IP, HELO, MAIL FROM, RCPT TO, user) or the parsed message.

import type { ParsedMessage } from '../../mime/model.ts';
import type { ScanRequest } from '../../core/types.ts';
import type { MapTarget } from './config.ts';

function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at >= 0 && at < address.length - 1 ? address.slice(at + 1).toLowerCase() : undefined;
}

function present(values: (string | undefined)[]): string[] {
  return values.filter((v): v is string => v !== undefined && v !== '');
}

/** Values of `target` for this scan; empty when the request lacks it (message targets on envelope-only requests). */
export function targetValues(target: MapTarget, request: ScanRequest, message: ParsedMessage | undefined): string[] {
  switch (target) {
    case 'client_ip':
      return present([request.clientIp]);
    case 'helo':
      return present([request.helo]);
    case 'hostname':
      return present([request.hostname]);
    case 'mail_from':
      return present([request.mailFrom]);
    case 'mail_from_domain':
      return present([request.mailFrom ? domainOf(request.mailFrom) : undefined]);
    case 'rcpt':
      return present(request.rcptTo);
    case 'rcpt_domain':
      return [...new Set(present(request.rcptTo.map(domainOf)))];
    case 'from':
      return present(message?.from.map((a) => a.address) ?? []);
    case 'from_domain':
      return present(message?.from.map((a) => a.domain) ?? []);
    case 'user':
      return present([request.user]);
    default:
      return message ? present(message.header(target.slice('header:'.length)).map((h) => h.value)) : [];
  }
}
