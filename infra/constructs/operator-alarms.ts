// The alarms an operator needs and nothing noisier: any function error, any throttle, any message in a
// dead-letter queue, a work queue whose oldest message waits too long. Each alarm notifies the SNS topic (subscribe an address to it) when it fires and when it
// clears. Missing data is "not breaching": a function that did not run has not failed.
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ServiceFunction } from './service-function.ts';

const PERIOD = Duration.minutes(5);

export class OperatorAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, topic: ITopic) {
    super(scope, id);
    this.action = new SnsAction(topic);
  }

  private add(id: string, metric: IMetric, description: string, threshold = 1): Alarm {
    const alarm = new Alarm(this, id, {
      // Named by the stack: the alarm topic and its key admit the alarms whose names start so.
      alarmName: `${Stack.of(this).stackName}-${id}`,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** Errors and throttles of one function. */
  watchFunction(service: ServiceFunction): this {
    this.add(
      `${service.name}-errors`,
      service.fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      `${service.name}: at least one invocation failed. Its log group holds the error (Logs Insights: filter level = "ERROR").`,
    );
    this.add(
      `${service.name}-throttles`,
      service.fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
      `${service.name}: invocations were throttled (account concurrency exhausted?).`,
    );
    return this;
  }

  /** Any message waiting in a dead-letter queue. */
  watchDeadLetters(name: string, queue: IQueue, what: string): this {
    this.add(
      `${name}-dead-letters`,
      queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      `${name}: ${what} Inspect the messages, fix the cause, then redrive or delete them.`,
    );
    return this;
  }

  /** A work queue whose oldest message has waited `maxAge`: nothing is consuming it, or everything fails. */
  watchQueueAge(name: string, queue: IQueue, maxAge: Duration, what: string): this {
    this.add(
      `${name}-waiting`,
      queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
      `${name}: ${what}`,
      maxAge.toSeconds(),
    );
    return this;
  }
}
