/** `--help` texts: every command has one. */

export const USAGE = `Usage: singer-replication [--workspace DIR] COMMAND [options]

Runs Singer tap | target replication jobs, with the same engine and database (.singer/db.json)
as the Singer Replication extension for VS Code.

Commands:
  add NAME --tap CMD --target CMD [options]   create an integration
  list [--json]                               integrations and their sync status
  run NAME [--full-refresh]                   run one job in the foreground (Ctrl-C stops it)
  stop NAME                                   stop the job running for NAME, wherever it runs
  jobs NAME [--json]                          extraction logs of NAME, newest first
  log NAME [JOB]                              print a job's log (default: the newest)
  state NAME [--json | --reset]               the saved state, or reset it
  pause NAME | resume NAME                    stop or restart scheduled jobs
  remove NAME                                 delete an integration, its logs and state
  schedule                                    run the scheduler in the foreground
  import-meltano [PROJECT_DIR]                a Meltano project's pipelines as integrations
  export-meltano NAME... --out DIR            integrations as a runnable Meltano project

Global options:
  --workspace DIR   the workspace folder (default: the current directory)
  --database PATH   the database, relative to the workspace (default: .singer/db.json)
  -h, --help        help; \`singer-replication COMMAND --help\` for a command

Exit codes: 0 done / job Succeeded, 1 job Failed, 2 usage, config or database error,
3 job Cancelled, 4 a job of that integration is running, 5 stop found nothing running.`;

export const COMMAND_HELP: Record<string, string> = {
  add: `Usage: singer-replication add NAME --tap CMD --target CMD [options]

Creates an integration. Commands are split into words like a POSIX shell does (quotes and
backslash) but never run through a shell: pipes, ";", "&&" and redirections are refused.
Config files are kept by path and read when each job starts.

Options:
  --tap CMD               the tap command, e.g. "tap-github" or ".venv/bin/tap-github"
  --target CMD            the target command, e.g. "target-jsonl"
  --tap-config FILE       the tap's config file (JSON; may use {"$secret": "NAME"})
  --target-config FILE    the target's config file (default: an empty {})
  --catalog FILE          the catalog passed to the tap with --catalog
  --frequency DURATION    30s, 5m, 1h, ... (>= 1s) or "default" (the workspace default)
  --cron EXPR             a cron schedule instead (5 or 6 fields)
  --timezone TZ           the cron schedule's IANA time zone, e.g. Europe/Berlin
  --paused                create it paused: no scheduled job starts
  --env K=V               an environment variable for both programs (repeatable)
  --mapper CMD            a mapper stage between tap and target, run as CMD --config F
                          (repeatable: tap | mapper... | target, in the order given)
  --mapper-config FILE    the config file of the --mapper before it (default: an empty {})`,
  list: `Usage: singer-replication list [--json]

Lists integrations with their sync status, schedule, last job and next run.
--json prints objects with name, syncStatus, paused, schedule, lastJob, nextRunAt, mappers.`,
  run: `Usage: singer-replication run NAME [--full-refresh] [--grace-period SECONDS]

Runs one manual job in the foreground. Ctrl-C (SIGINT) or SIGTERM stops the extraction: the tap
gets SIGTERM, SIGKILL after the grace period, and the target loads what was extracted.
A second Ctrl-C sends SIGKILL at once. On a terminal, a live line shows the records so far per
stream, the rate and the elapsed time.

Options:
  --full-refresh          start from an empty state (full re-replication)
  --grace-period SECONDS  seconds between SIGTERM and SIGKILL (default 60)

Exit codes: 0 Succeeded, 1 Failed, 2 refused input, 3 Cancelled, 4 a job is already running.`,
  stop: `Usage: singer-replication stop NAME [--grace-period SECONDS]

Stops the job running for NAME in whatever process runs it (a VS Code window, \`run\` or
\`schedule\`) and waits until it has ended. Exit 0 when it ended, 5 when nothing was running.`,
  jobs: `Usage: singer-replication jobs NAME [--json]

Lists NAME's extraction logs, newest first. --json prints objects with id, status, trigger,
startedAt, endedAt, records, tapExitCode, targetExitCode, error, logFile, stateSaved.`,
  log: `Usage: singer-replication log NAME [JOB]

Prints a job's log: the newest job that has a log, or job JOB (e.g. 42 or 000042).`,
  state: `Usage: singer-replication state NAME [--json | --reset]

Prints the saved state (the object the tap receives with --state), null when there is none.
--reset deletes it, so the next job starts from the beginning.`,
  pause: `Usage: singer-replication pause NAME

Pauses NAME: no scheduled job starts. A manual run still works and leaves it paused.`,
  resume: `Usage: singer-replication resume NAME

Resumes NAME's schedule.`,
  remove: `Usage: singer-replication remove NAME

Deletes NAME with its job history, logs and saved state. Refused while a job runs.`,
  schedule: `Usage: singer-replication schedule

Runs the scheduler in the foreground until SIGINT or SIGTERM, which stop running jobs as Stop
Extraction does. Prints one line per event. Only one scheduler drives a workspace at a time:
a second one stands by and takes over when the first goes away.`,
  'import-meltano': `Usage: singer-replication import-meltano [PROJECT_DIR] [options]

Creates an integration for each extractor -> loader pipeline of a Meltano project (default: the
workspace folder): its jobs and schedules, and an extractor no job runs when the project has one
loader. meltano.yml is read with its include_paths, lock files and the environment's overrides.
Config goes to .singer/config/NAME-tap.json and NAME-target.json; a value Meltano would read from
.env or the environment becomes {"$secret": "VAR"} (set SINGER_SECRET_VAR), never a copy. The tap and
target are the executables Meltano installed under .meltano/, else the plugins' executables on PATH.
A setting of a known kind (integer, boolean, ...) that comes from there keeps its kind
({"$secret": "VAR", "kind": "integer"}). A job's mappings become mapper stages between tap and target.
The catalog is the extractor's catalog file, else the one Meltano cached under .meltano/run/ with
the select and metadata rules applied. A cron interval is kept, read in UTC. A job \`meltano run\`
would refuse is listed with its reason and not imported; whatever does not carry over (transformers,
utilities, unused mappers) and what was assumed about plugins only Meltano's hub defines is reported.

Options:
  --environment NAME   the Meltano environment whose overrides apply (default: default_environment)
  --resume             import them resumed (default: paused, so nothing runs before you look)
  --dry-run            print what would be imported; write nothing
  --json               print the result as JSON

A meltano.yml that does not parse, or a job or schedule naming an unknown plugin, is refused with
the file and line (exit 2); nothing is written then.`,
  'export-meltano': `Usage: singer-replication export-meltano NAME... --out DIR [--pip-url NAME=URL]... [options]

Writes (or updates, keeping comments and other keys) DIR/meltano.yml so that Meltano runs the
integrations as the editor did: an extractor and a loader each (the same executables and config,
the catalog copied to extract/ with select and metadata rules), a job and a schedule named like the
integration. A Replication Frequency becomes the nearest calendar cron expression (Meltano's
schedules are calendar-based; ours are anchored at the previous start). Secrets become \${VAR}
references, named in DIR/.env.example; no secret value is written. The saved state is written to
DIR/state/NAME.json, with the \`meltano state set\` command that loads it.

Options:
  --out DIR            the Meltano project folder (relative to the workspace); created if missing
  --pip-url NAME=URL   the pip_url of a plugin (NAME: the plugin or program, e.g. tap-github), so
                       Meltano installs it; repeatable
  --environment NAME   the environment the state is set for (default: default_environment, or dev)
  --dry-run            print what would be written; write nothing
  --json               print the result as JSON

A meltano.yml in DIR that does not parse is never overwritten (exit 2).`,
};
