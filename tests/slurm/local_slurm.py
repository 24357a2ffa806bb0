"""A throw-away single-node Slurm cluster for tests: munged, slurmctld and slurmd from Debian,
started in the foreground as children of this process with every config, socket, spool, state and
log file in one temporary directory. Works under any hostname (the node is addressed as 127.0.0.1),
on free ports chosen at start, so it never touches a system Slurm or munge installation.

    with LocalSlurm() as cluster:          # start() on enter, stop() on exit (also on errors)
        job = cluster.sbatch(["--ntasks=2", "script.sbatch", "arg"], cwd=...)
        state = cluster.wait(job, timeout=120)

Every wait is bounded and fails with the relevant log tail, so a broken setup cannot hang CI.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

DAEMONS = ("munged", "slurmctld", "slurmd")
FINAL_STATES = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                "BOOT_FAIL", "DEADLINE", "PREEMPTED"}


class SlurmHarnessError(RuntimeError):
    pass


def missing_binaries():
    """The Slurm / munge programs this harness needs that are not installed."""
    need = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo", "scancel", "sacct"]
    found = []
    for name in need:
        if shutil.which(name) is None and not os.path.exists(os.path.join("/usr/sbin", name)):
            found.append(name)
    return found


def _which(name):
    return shutil.which(name) or os.path.join("/usr/sbin", name)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path, lines=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no file)\n"


class LocalSlurm:
    def __init__(self, cpus=4, memory_mb=4000, keep=False, log=print):
        # cpus is what the node advertises (config_overrides): more than the machine's cores is
        # fine, it lets a 2-rank job run on a 1-core CI runner.
        self.cpus = cpus
        self.memory_mb = memory_mb
        self.keep = keep or os.environ.get("TESSERA_KEEP_SLURM_DIR") == "1"
        self.log = log
        self.dir = None
        self.procs = {}
        self.node = "tessera-local"

    # ----------------------------------------------------------------------------- life cycle
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def env(self):
        e = dict(os.environ)
        e["SLURM_CONF"] = self.conf
        # Child jobs must not inherit an outer allocation's variables.
        for k in list(e):
            if k.startswith("SLURM_") and k != "SLURM_CONF":
                del e[k]
        return e

    def start(self, timeout=60):
        missing = missing_binaries()
        if missing:
            raise SlurmHarnessError("not installed: %s (tools/setup.sh installs slurmctld, slurmd, "
                                    "slurm-client, munge)" % ", ".join(missing))
        self.dir = tempfile.mkdtemp(prefix="tessera-slurm-")
        os.chmod(self.dir, 0o700)
        for sub in ("munge", "state", "spool", "log", "jobs"):
            os.makedirs(os.path.join(self.dir, sub), mode=0o700)
        self._start_munge(timeout)
        self._write_conf()
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", self.conf,
                                  "-L", self._log("slurmctld")])
        self._wait_for(lambda: self._run(["scontrol", "ping"], check=False).stdout.find("UP") >= 0,
                       timeout, "slurmctld did not answer 'scontrol ping'", "slurmctld")
        self._spawn("slurmd", [_which("slurmd"), "-D", "-f", self.conf, "-N", self.node,
                               "-L", self._log("slurmd")])
        self._wait_for(self._node_ready, timeout, "node %s did not become idle" % self.node, "slurmd")
        self.log("local slurm: up in %s (slurmctld port %d, slurmd port %d)"
                 % (self.dir, self.ctl_port, self.d_port))

    def stop(self, timeout=30):
        if self.dir is None:
            return
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            # Cancel every job so slurmd kills its steps (slurmstepd runs outside our children).
            self._run(["scancel", "--full", "--user=%s" % os.getuid()], check=False, timeout=10)
            end = time.time() + timeout
            while time.time() < end:
                r = self._run(["squeue", "-h", "-o", "%i"], check=False, timeout=10)
                if r.returncode != 0 or not r.stdout.strip():
                    break
                time.sleep(0.5)
        for name in reversed(DAEMONS):
            p = self.procs.get(name)
            if p is None or p.poll() is not None:
                continue
            self._signal(p, signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal(p, signal.SIGKILL)
                p.wait(timeout=10)
        self.procs = {}
        if self.keep:
            self.log("local slurm: kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    # ----------------------------------------------------------------------------- jobs
    def sbatch(self, args, cwd=None, env=None):
        e = self.env()
        if env:
            e.update(env)
        r = self._run(["sbatch", "--parsable"] + list(args), cwd=cwd, env=e, check=False, timeout=30)
        if r.returncode != 0:
            raise SlurmHarnessError("sbatch %s failed (%d): %s%s" % (" ".join(args), r.returncode, r.stdout,
                                                                     r.stderr))
        return r.stdout.strip().split(";")[0]

    def job_state(self, job):
        r = self._run(["scontrol", "-o", "show", "job", job], check=False, timeout=10)
        for field in r.stdout.split():
            if field.startswith("JobState="):
                return field.split("=", 1)[1]
        return "UNKNOWN"

    def job_field(self, job, key):
        r = self._run(["scontrol", "-o", "show", "job", job], check=False, timeout=10)
        for field in r.stdout.split():
            if field.startswith(key + "="):
                return field.split("=", 1)[1]
        return ""

    def wait(self, job, timeout=120):
        """Waits until the job is in a final state and returns it; raises after timeout seconds."""
        end = time.time() + timeout
        state = "UNKNOWN"
        while time.time() < end:
            state = self.job_state(job)
            if state in FINAL_STATES:
                return state
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise SlurmHarnessError("%s exited (%d) while job %s was %s\n%s" % (
                        name, p.returncode, job, state, _tail(self._log(name))))
            time.sleep(0.5)
        raise SlurmHarnessError("job %s still %s after %d s\n--- slurmctld.log\n%s--- slurmd.log\n%s" % (
            job, state, timeout, _tail(self._log("slurmctld")), _tail(self._log("slurmd"))))

    def logs(self):
        return "".join("--- %s.log\n%s" % (n, _tail(self._log(n))) for n in DAEMONS)

    # ----------------------------------------------------------------------------- internals
    def _log(self, name):
        return os.path.join(self.dir, "log", name + ".log")

    def _spawn(self, name, argv):
        out = open(os.path.join(self.dir, "log", name + ".stdout"), "w")
        # Own session: stop() signals exactly the process groups started here.
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.dir,
                                            env=self.env() if name != "munged" else dict(os.environ),
                                            start_new_session=True)

    @staticmethod
    def _signal(p, sig):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass

    def _run(self, argv, check=True, timeout=30, cwd=None, env=None):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                               env=env or self.env())
        except subprocess.TimeoutExpired:
            raise SlurmHarnessError("%s did not return within %d s" % (" ".join(argv), timeout))
        if check and r.returncode != 0:
            raise SlurmHarnessError("%s failed (%d): %s" % (" ".join(argv), r.returncode, r.stderr))
        return r

    def _wait_for(self, ready, timeout, what, daemon):
        end = time.time() + timeout
        while time.time() < end:
            p = self.procs.get(daemon)
            if p is not None and p.poll() is not None:
                raise SlurmHarnessError("%s exited with %d at start\n%s%s" % (
                    daemon, p.returncode, _tail(self._log(daemon)),
                    _tail(os.path.join(self.dir, "log", daemon + ".stdout"))))
            try:
                if ready():
                    return
            except SlurmHarnessError:
                pass
            time.sleep(0.3)
        raise SlurmHarnessError("%s within %d s\n%s" % (what, timeout, self.logs()))

    def _node_ready(self):
        r = self._run(["sinfo", "-h", "-N", "-o", "%N %t"], check=False, timeout=10)
        return any(line.split()[1].startswith(("idle", "mix", "alloc"))
                   for line in r.stdout.splitlines() if len(line.split()) == 2)

    def _start_munge(self, timeout):
        mdir = os.path.join(self.dir, "munge")
        self.munge_socket = os.path.join(mdir, "munge.socket")
        key = os.path.join(mdir, "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        self._spawn("munged", [_which("munged"), "--foreground", "--force",
                               "--socket=" + self.munge_socket, "--key-file=" + key,
                               "--pid-file=" + os.path.join(mdir, "munged.pid"),
                               "--seed-file=" + os.path.join(mdir, "munged.seed"),
                               "--log-file=" + self._log("munged")])
        self._wait_for(lambda: os.path.exists(self.munge_socket), timeout,
                       "munged did not create its socket", "munged")

    def _write_conf(self):
        self.conf = os.path.join(self.dir, "slurm.conf")
        self.ctl_port, self.d_port = _free_port(), _free_port()
        host = socket.gethostname().split(".")[0]
        d = self.dir
        lines = [
            "ClusterName=tessera-test",
            "SlurmctldHost=%s(127.0.0.1)" % host,
            "SlurmctldPort=%d" % self.ctl_port,
            "SlurmdPort=%d" % self.d_port,
            "SlurmUser=root" if os.getuid() == 0 else "SlurmUser=%s" % os.environ.get("USER", "root"),
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            "AuthInfo=socket=%s" % self.munge_socket,
            "StateSaveLocation=%s/state" % d,
            "SlurmdSpoolDir=%s/spool" % d,
            "SlurmctldPidFile=%s/slurmctld.pid" % d,
            "SlurmdPidFile=%s/slurmd.pid" % d,
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "SchedulerType=sched/builtin",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "MpiDefault=none",
            "ReturnToService=2",
            "SlurmdParameters=config_overrides",
            "SlurmctldTimeout=30",
            "SlurmdTimeout=30",
            "InactiveLimit=0",
            "MinJobAge=600",
            "KillWait=5",
            "MailProg=/bin/true",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            "NodeName=%s NodeHostname=%s NodeAddr=127.0.0.1 CPUs=%d RealMemory=%d State=UNKNOWN"
            % (self.node, socket.gethostname(), self.cpus, self.memory_mb),
            "PartitionName=local Nodes=%s Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES" % self.node,
        ]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
