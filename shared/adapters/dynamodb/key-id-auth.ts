// What the embedded store server reads of a request's credentials: the access key id (the store's secret) in a
// SigV4-shaped Authorization header. Written by the store's own client (dynamo-client.ts, which computes no
// signature) and by the plain-HTTP probe and table check (embedded/store-lock.ts). No SDK here: the server
// process uses it too.

/** The X-Amz-Date and Authorization headers naming `accessKeyId`, with a placeholder for the signature. */
export function keyIdHeaders(
  accessKeyId: string,
  date: Date = new Date(),
  scope: { region?: string; service?: string } = {},
): { 'x-amz-date': string; authorization: string } {
  // "20260302T060000Z": SigV4's date format.
  const amzDate = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return {
    'x-amz-date': amzDate,
    authorization:
      `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${amzDate.slice(0, 8)}/${scope.region ?? 'us-east-1'}/` +
      `${scope.service ?? 'dynamodb'}/aws4_request, SignedHeaders=host;x-amz-date, Signature=unsigned`,
  };
}
