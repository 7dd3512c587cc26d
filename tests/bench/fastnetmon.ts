/**
 * Debian's FastNetMon (/usr/sbin/fastnetmon, 1.2.4) as the anchor of the detection-latency bench: a temp
 * fastnetmon.conf (sFlow or NetFlow/IPFIX listener on a loopback port, the victim prefix as networks_list,
 * ban by pps only at the given threshold, its default 5-s moving average checked every second) and a notify
 * script that appends "<epoch ms> <ip> <action>" to a file when FastNetMon bans.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FASTNETMON = '/usr/sbin/fastnetmon';

export interface FastNetMon {
  pid: number | undefined;
  /** Ban time (epoch ms, from the notify script) per banned IP. */
  bans(): Map<string, number>;
  stop(): Promise<void>;
  log(): string;
}

export function haveFastNetMon(): boolean {
  return existsSync(FASTNETMON);
}

export async function startFastNetMon(o: {
  dir: string;
  port: number;
  kind: 'sflow' | 'netflow';
  prefix: string;
  thresholdPps: number;
}): Promise<FastNetMon> {
  const bans = join(o.dir, 'bans.txt');
  const notify = join(o.dir, 'notify.sh');
  writeFileSync(notify, `#!/bin/sh\necho "$(date +%s%3N) $1 $4" >> ${bans}\ncat > /dev/null\nexit 0\n`);
  chmodSync(notify, 0o755);
  writeFileSync(join(o.dir, 'networks_list'), `${o.prefix}\n`);
  writeFileSync(join(o.dir, 'networks_whitelist'), '');
  writeFileSync(bans, '');
  const conf = [
    'logging_level = info',
    'logging_local_syslog_logging = off',
    'logging_remote_syslog_logging = off',
    'disable_usage_report = on',
    'enable_ban = on',
    'enable_ban_ipv6 = off',
    'process_incoming_traffic = on',
    'process_outgoing_traffic = off',
    'ban_time = 1900',
    'unban_only_if_attack_finished = on',
    'ban_details_records_count = 20',
    `networks_list_path = ${join(o.dir, 'networks_list')}`,
    `white_list_path = ${join(o.dir, 'networks_whitelist')}`,
    'check_period = 1',
    'enable_connection_tracking = off',
    'ban_for_pps = on',
    'ban_for_bandwidth = off',
    'ban_for_flows = off',
    `threshold_pps = ${o.thresholdPps}`,
    'threshold_mbps = 1000000',
    'threshold_flows = 1000000',
    'average_calculation_time = 5',
    'speed_calculation_delay = 1',
    'mirror_afpacket = off',
    'mirror_afxdp = off',
    'mirror_netmap = off',
    'pcap = off',
    `sflow = ${o.kind === 'sflow' ? 'on' : 'off'}`,
    `sflow_port = ${o.port}`,
    'sflow_host = 127.0.0.1',
    `netflow = ${o.kind === 'netflow' ? 'on' : 'off'}`,
    `netflow_port = ${o.port}`,
    'netflow_host = 127.0.0.1',
    'netflow_sampling_ratio = 1',
    `notify_script_path = ${notify}`,
    'collect_attack_pcap_dumps = off',
    'redis_enabled = off',
    'mongodb_enabled = off',
    'exabgp = off',
    'gobgp = off',
    'influxdb = off',
    'graphite = off',
    'monitor_local_ip_addresses = off',
    `pid_path = ${join(o.dir, 'fastnetmon.pid')}`,
    `cli_stats_file_path = ${join(o.dir, 'fastnetmon.dat')}`,
    `cli_stats_ipv6_file_path = ${join(o.dir, 'fastnetmon_ipv6.dat')}`,
    'enable_api = off',
    'kafka_traffic_export = off',
  ].join('\n');
  const confPath = join(o.dir, 'fastnetmon.conf');
  writeFileSync(confPath, `${conf}\n`);
  const logPath = join(o.dir, 'fastnetmon.log');
  const child: ChildProcess = spawn(
    FASTNETMON,
    ['--configuration_file', confPath, '--log_file', logPath, '--disable_pid_logic'],
    { stdio: 'ignore', detached: true },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise((r) => setTimeout(r, 1500)); // listener up
  if (child.exitCode !== null)
    throw new Error(`fastnetmon exited at start (${child.exitCode}): ${readFileSync(logPath, 'utf8').slice(-2000)}`);
  return {
    pid: child.pid,
    bans() {
      const out = new Map<string, number>();
      for (const line of readFileSync(bans, 'utf8').split('\n')) {
        const [ms, ip, action] = line.trim().split(/\s+/);
        if (ip && action === 'ban' && !out.has(ip)) out.set(ip, Number(ms));
      }
      return out;
    },
    log: () => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
