// Reads msg-id values (Message-ID, Content-ID) without their angle brackets (RFC 5322 §3.6.4).
/** Message-ID / Content-ID value without angle brackets (RFC 5322 §3.6.4); undefined when empty. */
export function parseMessageId(value: string): string | undefined {
  const m = /<([^<>]*)>/.exec(value);
  const id = (m ? m[1] : value.split(/\s+/).find((t) => t.length > 0) ?? '').trim();
  return id === '' ? undefined : id;
}
