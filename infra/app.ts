// The CDK app (cdk.json: "npx tsx infra/app.ts"). Parameters come from CDK context: see infra/config.ts and
// infra/README.md.
import { createLivingReviewApp } from './living-review-app.ts';

createLivingReviewApp().app.synth();
