// Mailer over Amazon SES v2: the composed MIME message is sent as it is (SendEmail with Content.Raw.Data), so the
// text and HTML parts and the RIS attachment reach the recipients exactly as the outbox would have written them.
// Recipients are named in Destination as well as in the headers; the sender (FromEmailAddress) must be an SES
// verified identity (the CDK context's sesSender).
//
// @aws-sdk/client-sesv2 is loaded on the first message (a dynamic import, once per process), not with this
// module: send-digest sends nothing when nothing is new, publish-report mails only when an update trigger is
// crossed, so neither function's init pays for loading the SES client.
import type { SESv2Client, SESv2ClientConfig, SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { errorMessage, LivingReviewError } from '../../errors.ts';
import type { Mailer, MailMessage, SentMail } from '../../ports/mailer.ts';
import { loadOnce } from '../load-once.ts';
import { composeMime, messageIdOf } from './compose.ts';

/** @aws-sdk/client-sesv2, imported on first use. */
const loadSesSdk = loadOnce(() => import('@aws-sdk/client-sesv2'));

/** SES refused or failed the message. Retryable for throttling, 5xx and network failures. */
export class MailDeliveryError extends LivingReviewError {}

const RETRYABLE = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'InternalFailure',
  'ServiceUnavailable',
  'ThrottlingException',
  'TimeoutError',
]);

function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable || (e.name && RETRYABLE.has(e.name))) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}

export interface SesMailerOptions {
  /** A client of your own (tests point one at a loopback endpoint); default: new SESv2Client(clientConfig). */
  client?: SESv2Client;
  clientConfig?: SESv2ClientConfig;
  /** SES configuration set (event publishing, suppression), if any. */
  configurationSetName?: string;
}

export class SesMailer implements Mailer {
  /** The client given, or the one built from `clientConfig` on the first message. */
  private client: SESv2Client | undefined;
  private readonly clientConfig: SESv2ClientConfig;
  private readonly configurationSetName: string | undefined;

  constructor(options: SesMailerOptions = {}) {
    this.client = options.client;
    this.clientConfig = options.clientConfig ?? {};
    this.configurationSetName = options.configurationSetName;
  }

  async send(message: MailMessage): Promise<SentMail> {
    const raw = await composeMime(message);
    const { SendEmailCommand, SESv2Client } = await loadSesSdk();
    this.client ??= new SESv2Client(this.clientConfig);
    const input: SendEmailCommandInput = {
      FromEmailAddress: message.from,
      Destination: { ToAddresses: message.to },
      Content: { Raw: { Data: new Uint8Array(raw) } },
      ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
    };
    try {
      const output = await this.client.send(new SendEmailCommand(input));
      return { id: output.MessageId ?? '', messageId: messageIdOf(raw) ?? '' };
    } catch (error) {
      throw new MailDeliveryError(`SES SendEmail "${message.subject}" failed: ${errorMessage(error)}`, {
        cause: error,
        retryable: isRetryable(error),
      });
    }
  }
}
