// Mailer over Amazon SES v2: the composed MIME message is sent as it is (SendEmail with Content.Raw.Data), so the
// text and HTML parts and the RIS attachment reach the recipients exactly as the outbox would have written them.
// Recipients are named in Destination as well as in the headers; the sender (FromEmailAddress) must be an SES
// verified identity (the CDK context's sesSender).
import {
  SendEmailCommand,
  type SendEmailCommandInput,
  SESv2Client,
  type SESv2ClientConfig,
} from '@aws-sdk/client-sesv2';
import { errorMessage, LivingReviewError } from '../../errors.ts';
import type { Mailer, MailMessage, SentMail } from '../../ports/mailer.ts';
import { composeMime, messageIdOf } from './compose.ts';

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
  readonly client: SESv2Client;
  private readonly configurationSetName: string | undefined;

  constructor(options: SesMailerOptions = {}) {
    this.client = options.client ?? new SESv2Client(options.clientConfig ?? {});
    this.configurationSetName = options.configurationSetName;
  }

  async send(message: MailMessage): Promise<SentMail> {
    const raw = await composeMime(message);
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
