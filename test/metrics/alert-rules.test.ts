// The alert rules shipped in docs/ load in Prometheus (promtool), and the renewal alert fires
// on the metric the server exports, in promtool's own rule unit test; so does the secondary-lag one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

const rules = join(import.meta.dirname, '../../docs/prometheus/acme-delegate-alerts.yml');

t.test('promtool accepts the rules and the stale-renewal alert fires', async (t) => {
  t.match(execFileSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' }), /SUCCESS: 5 rules found/);
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));
  const unit = join(dir, 'test.yml');
  // Two active accounts; one has been silent for more than 30 days the whole time.
  writeFileSync(
    unit,
    `rule_files: [${JSON.stringify(rules)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'acme_delegate_account_last_update_age_seconds_bucket{le="2592000"}'
        values: '1x1600'
      - series: 'acme_delegate_account_last_update_age_seconds_count'
        values: '2x1600'
    alert_rule_test:
      - eval_time: 2h
        alertname: AcmeDelegateRenewalStale
        exp_alerts: []
      - eval_time: 26h
        alertname: AcmeDelegateRenewalStale
        exp_alerts:
          - exp_labels: { severity: warning }
            exp_annotations:
              summary: "1 acme-delegate account(s) with no TXT update for more than 30 days"
              description: "A client stopped renewing before its certificate expires. Run \`acme-delegate account list --stale 30\`."
  - interval: 1m
    input_series:
      # In step, then 2 serials behind from minute 10 on.
      - series: 'acme_delegate_secondary_serial_lag{secondary="192.0.2.2:53"}'
        values: '0x9 2x40'
    alert_rule_test:
      - eval_time: 20m
        alertname: AcmeDelegateSecondaryBehind
        exp_alerts: []
      - eval_time: 30m
        alertname: AcmeDelegateSecondaryBehind
        exp_alerts:
          - exp_labels: { severity: warning, secondary: "192.0.2.2:53" }
            exp_annotations:
              summary: "secondary 192.0.2.2:53 is 2 serial(s) behind for 15 minutes"
              description: "Check its log and acme_delegate_secondary_notify_total{result!=\\"acknowledged\\"}."
`,
  );
  const out = execFileSync('promtool', ['test', 'rules', unit], { encoding: 'utf8' });
  t.match(out, /SUCCESS/);
});
