# Writes fixtures/scenarios/*.json, the host specs the scenario tests build captures from.
# Run: python3 scripts/make-scenarios.py (ids are hashes of names, so output is stable).
import json, hashlib
import os
OUT=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'scenarios') + '/'
NODE={"cgroup":4026531835,"ipc":4026531839,"mnt":4026531841,"net":4026531840,"pid":4026531836,"time":4026531834,"user":4026531837,"uts":4026531838}
def hid(s): return hashlib.sha256(s.encode()).hexdigest()
def kthreads(): return [{"pid":2,"ppid":0,"comm":"kthreadd","kthread":True},{"pid":3,"ppid":2,"comm":"rcu_gp","kthread":True},{"pid":25,"ppid":2,"comm":"kdevtmpfs","kthread":True,"ns":{"mnt":4026531860}}]
def save(name, spec):
    json.dump(spec, open(OUT+name+'.json','w'), indent=1)

# 1. The seeds' Kubernetes pod
uid='5f1d6b2e-3c55-4d6e-9a8b-1c2d3e4f5a6b'; u_=uid.replace('-','_')
podcg=f'/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{u_}.slice'
pause,httpbin,sleep=hid('seed-pause'),hid('seed-httpbin'),hid('seed-sleep')
podns={"net":4026532614,"uts":4026532716,"ipc":4026532717}
procs=[{"pid":1,"ppid":0,"comm":"systemd","cmdline":["/sbin/init"],"cgroup":"/init.scope"}]+kthreads()+[
 {"pid":612,"comm":"containerd","cmdline":["/usr/bin/containerd"],"cgroup":"/system.slice/containerd.service"},
 {"pid":790,"comm":"kubelet","cmdline":["/usr/bin/kubelet","--cgroup-driver=systemd"],"cgroup":"/system.slice/kubelet.service"},
 {"pid":4941,"comm":"containerd-shim","cmdline":["/usr/bin/containerd-shim-runc-v2","-namespace","k8s.io","-id",pause],"cgroup":"/system.slice/containerd.service"},
 {"pid":4966,"ppid":4941,"comm":"pause","cmdline":["/pause"],"uid":65535,"start":41000,"ns":{**podns,"mnt":4026532715,"pid":4026532718,"cgroup":4026532801},"cgroup":f"{podcg}/cri-containerd-{pause}.scope"},
 {"pid":5001,"ppid":4941,"comm":"gunicorn","cmdline":["/usr/bin/python3","/usr/local/bin/gunicorn","-b","0.0.0.0:80","httpbin:app","-k","gevent"],"start":41500,"ns":{**podns,"mnt":4026532719,"pid":4026532720,"cgroup":4026532802},"cgroup":f"{podcg}/cri-containerd-{httpbin}.scope"},
 {"pid":5016,"ppid":5001,"comm":"gunicorn","cmdline":["/usr/bin/python3","/usr/local/bin/gunicorn","-b","0.0.0.0:80","httpbin:app","-k","gevent"],"start":41600,"ns":{**podns,"mnt":4026532719,"pid":4026532720,"cgroup":4026532802},"cgroup":f"{podcg}/cri-containerd-{httpbin}.scope"},
 {"pid":5035,"ppid":4941,"comm":"sleep","cmdline":["sleep","infinity"],"start":41700,"ns":{**podns,"mnt":4026532721,"pid":4026532722,"cgroup":4026532803},"cgroup":f"{podcg}/cri-containerd-{sleep}.scope"},
]
save('k8s-seed-pod',{"description":"The seeds' Kubernetes pod: a pause sandbox (4966), httpbin (5001, 5016) and sleep (5035) sharing net 4026532614, uts 4026532716 and ipc 4026532717, each container with its own mnt and pid namespace.",
 "source":"Pids and namespace inodes as the seed article shows them (ls -l /proc/<pid>/ns). Container ids, the pod uid and the cgroup layout (cgroup v2, systemd driver, containerd) are not in the article and were chosen here; they follow ../docs/model.md's kubelet and containerd path forms.",
 "cgroup":"v2","users":{"0":"root","65535":"nobody"},"nodeNs":NODE,"processes":procs,
 "limits":{podcg:{"memory":"max","cpu":["max",100000],"pids":"max"}}})

# 2. The seeds' hand-made Docker pod
sb,app,side=hid('pod-foo-sandbox'),hid('pod-foo-app'),hid('pod-foo-sidecar')
dpodns={"net":4026532299,"ipc":4026532297}
procs=[{"pid":1,"ppid":0,"comm":"systemd","cmdline":["/sbin/init"],"cgroup":"/init.scope"}]+kthreads()+[
 {"pid":880,"comm":"dockerd","cmdline":["/usr/bin/dockerd","-H","fd://"],"cgroup":"/system.slice/docker.service"},
 {"pid":812,"comm":"containerd","cmdline":["/usr/bin/containerd"],"cgroup":"/system.slice/containerd.service"},
 {"pid":27720,"comm":"containerd-shim","cmdline":["/usr/bin/containerd-shim-runc-v2","-namespace","moby","-id",sb],"cgroup":"/system.slice/containerd.service"},
 {"pid":27743,"ppid":27720,"comm":"sleep","cmdline":["sleep","infinity"],"start":270000,"ns":{**dpodns,"uts":4026532296,"mnt":4026532295,"pid":4026532298},"cgroup":f"/pod-foo/{sb}"},
 {"pid":27865,"ppid":27720,"comm":"python3","cmdline":["python3","-m","http.server","8080"],"start":271000,"ns":{**dpodns,"uts":4026532365,"mnt":4026532364,"pid":4026532366},"cgroup":f"/pod-foo/{app}"},
 {"pid":27880,"ppid":27865,"comm":"sh","cmdline":["sh","-c","tail -f /dev/null"],"start":271100,"ns":{**dpodns,"uts":4026532365,"mnt":4026532364,"pid":4026532366},"cgroup":f"/pod-foo/{app}"},
 {"pid":27977,"ppid":27720,"comm":"sleep","cmdline":["sleep","3600"],"start":272000,"ns":{**dpodns,"uts":4026532433,"mnt":4026532432,"pid":4026532434},"cgroup":f"/pod-foo/{side}"},
]
save('docker-seed-pod',{"description":"The seeds' pod made by hand with Docker: a sandbox (27743) and two containers (27865/27880, 27977) started with --cgroup-parent /pod-foo --network container:<sandbox> --ipc container:<sandbox>: net and ipc shared, uts not.",
 "source":"Pids and layout as in the seed article; container ids and namespace inodes chosen here. Docker with the cgroupfs driver on a cgroup v1 host.",
 "cgroup":"v1","nodeNs":NODE,"processes":procs,"limits":{f"/pod-foo/{app}":{"memory":268435456,"cpu":[50000,100000],"pids":512}}})

# 3. cgroup v2, systemd driver node: three QoS, containerd and CRI-O, hostNetwork, shareProcessNamespace
procs=[{"pid":1,"ppid":0,"comm":"systemd","cmdline":["/sbin/init"],"cgroup":"/init.scope"}]+kthreads()+[
 {"pid":500,"comm":"containerd","cmdline":["/usr/bin/containerd"],"cgroup":"/system.slice/containerd.service"},
 {"pid":501,"comm":"crio","cmdline":["/usr/bin/crio"],"cgroup":"/system.slice/crio.service"},
 {"pid":502,"comm":"kubelet","cmdline":["/usr/bin/kubelet"],"cgroup":"/system.slice/kubelet.service"},
 {"pid":700,"comm":"sshd","cmdline":["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],"cgroup":"/system.slice/ssh.service"},
]
limits={}
inode=[4026532900]
def nxt():
    inode[0]+=1; return inode[0]
pid=[1000]
def npid():
    pid[0]+=10; return pid[0]
def kpod(name, qos, runtime, apps, hostnet=False, sharepid=False, sandbox_comm='pause', plimits=None):
    uid=str(__import__('uuid').uuid5(__import__('uuid').NAMESPACE_URL, name)); u_=uid.replace('-','_')
    base='/kubepods.slice' + ('' if qos=='guaranteed' else f'/kubepods-{qos}.slice')
    podcg=f"{base}/kubepods{'' if qos=='guaranteed' else '-'+qos}-pod{u_}.slice"
    if plimits: limits[podcg]=plimits
    sbid=hid(name+'-sandbox')
    net=NODE['net'] if hostnet else nxt()
    shared={"net":net,"ipc":nxt(),"uts":NODE['uts'] if hostnet else nxt()}
    sbpid_ns=nxt()
    sbp=npid()
    scope=(lambda i: f"{podcg}/cri-containerd-{i}.scope") if runtime=='containerd' else (lambda i: f"{podcg}/crio-{i}.scope/container")
    sbcg=f"{podcg}/cri-containerd-{sbid}.scope" if runtime=='containerd' else f"{podcg}/crio-{sbid}"
    procs.append({"pid":sbp,"ppid":1,"comm":sandbox_comm,"cmdline":["/pause"],"uid":65535,"start":sbp*10,"ns":{**shared,"pid":sbpid_ns,"mnt":nxt(),"cgroup":nxt()},"cgroup":sbcg})
    if runtime=='cri-o':
        procs.append({"pid":npid(),"ppid":1,"comm":"conmon","cmdline":["/usr/bin/conmon","-c",sbid],"cgroup":f"{podcg}/crio-conmon-{sbid}.scope"})
    out={"uid":uid,"cgroup":podcg,"sandbox":sbid,"sandboxPid":sbp,"containers":[]}
    for app in apps:
        cid=hid(name+'-'+app['name'])
        pns=sbpid_ns if sharepid else nxt()
        ns={**shared,"pid":pns,"mnt":nxt(),"cgroup":nxt()}
        pids=[]
        if runtime=='cri-o':
            procs.append({"pid":npid(),"ppid":1,"comm":"conmon","cmdline":["/usr/bin/conmon","-c",cid],"cgroup":f"{podcg}/crio-conmon-{cid}.scope"})
        for k,cmd in enumerate(app['cmds']):
            p=npid(); pids.append(p)
            procs.append({"pid":p,"ppid":pids[0] if k else 1,"comm":cmd[0].split('/')[-1][:15],"cmdline":cmd,"start":p*10,"ns":ns,"cgroup":scope(cid)})
        if app.get('limits'): limits[scope(cid) if runtime=='containerd' else f"{podcg}/crio-{cid}.scope"]=app['limits']
        out["containers"].append({"id":cid,"pids":pids})
    return out
expect={}
expect['guaranteed']=kpod('web-guaranteed','guaranteed','containerd',[{"name":"nginx","cmds":[["nginx: master process nginx -g daemon off;"],["nginx: worker process"]],"limits":{"memory":536870912,"cpu":[100000,100000],"pids":"max"}}],plimits={"memory":536870912,"cpu":[100000,100000],"pids":"max"})
expect['burstable']=kpod('api-burstable','burstable','cri-o',[{"name":"api","cmds":[["/app/api","--port","8080"]],"limits":{"memory":268435456,"cpu":["max",100000]}},{"name":"envoy","cmds":[["envoy","-c","/etc/envoy.yaml"]]}],plimits={"memory":268435456,"cpu":["max",100000],"pids":"max"})
expect['besteffort']=kpod('batch-besteffort','besteffort','containerd',[{"name":"job","cmds":[["sleep","3600"]]}])
expect['hostnetwork']=kpod('kube-proxy-hostnet','besteffort','containerd',[{"name":"kube-proxy","cmds":[["/usr/local/bin/kube-proxy","--config=/var/lib/kube-proxy/config.conf"]]}],hostnet=True)
expect['sharepid']=kpod('debug-sharepid','burstable','containerd',[{"name":"app","cmds":[["/bin/app"]]},{"name":"debugger","cmds":[["sh"]]}],sharepid=True)
save('k8s-v2-systemd-node',{"description":"A cgroup v2 node with the kubelet's systemd driver: pods of all three QoS classes on containerd (cri-containerd-<id>.scope) and CRI-O (crio-<id>.scope/container with crun, sandbox crio-<id>, conmon monitors), a hostNetwork pod and a shareProcessNamespace pod, with limits.",
 "source":"Built for nsview from the kubelet's, containerd's and CRI-O's cgroup naming (docs/model.md); ids derived from the pod names.",
 "cgroup":"v2","users":{"0":"root","65535":"nobody"},"nodeNs":NODE,"processes":procs,"limits":limits,"cgroupDirs":["/kubepods.slice/kubepods-burstable.slice","/kubepods.slice/kubepods-besteffort.slice","/system.slice/systemd-journald.service"],"expect":expect})

# 4. cgroup v1, cgroupfs driver node
procs=[{"pid":1,"ppid":0,"comm":"systemd","cmdline":["/sbin/init"],"cgroup":"/init.scope"}]+kthreads()+[
 {"pid":400,"comm":"containerd","cmdline":["/usr/bin/containerd"],"cgroup":"/system.slice/containerd.service"},
 {"pid":401,"comm":"kubelet","cmdline":["/usr/bin/kubelet","--cgroup-driver=cgroupfs"],"cgroup":"/system.slice/kubelet.service"}]
limits={}; expect={}
def fspod(name,qos,apps,plimits=None):
    uid=str(__import__('uuid').uuid5(__import__('uuid').NAMESPACE_URL, name))
    podcg='/kubepods'+('' if qos=='guaranteed' else '/'+qos)+f'/pod{uid}'
    if plimits: limits[podcg]=plimits
    sbid=hid(name+'-sb'); shared={"net":nxt(),"ipc":nxt(),"uts":nxt()}
    sbp=npid()
    procs.append({"pid":sbp,"comm":"pause","cmdline":["/pause"],"uid":65535,"start":sbp*10,"ns":{**shared,"pid":nxt(),"mnt":nxt()},"cgroup":f"{podcg}/{sbid}"})
    out={"uid":uid,"cgroup":podcg,"sandbox":sbid,"sandboxPid":sbp,"containers":[]}
    for app in apps:
        cid=hid(name+'-'+app); p=npid()
        procs.append({"pid":p,"comm":app[:15],"cmdline":[app],"start":p*10,"ns":{**shared,"pid":nxt(),"mnt":nxt()},"cgroup":f"{podcg}/{cid}"})
        out["containers"].append({"id":cid,"pids":[p]})
    return out
expect['guaranteed']=fspod('db-guaranteed','guaranteed',['postgres'],plimits={"memory":1073741824,"cpu":[200000,100000],"pids":4096})
expect['burstable']=fspod('web-burstable','burstable',['nginx','log-shipper'],plimits={"memory":"max","cpu":["max",100000]})
expect['besteffort']=fspod('cron-besteffort','besteffort',['busybox'])
save('k8s-v1-cgroupfs-node',{"description":"A cgroup v1 node with the kubelet's cgroupfs driver (kubepods/<qos>/pod<uid>/<id>), three QoS classes, limits in v1 files (memory.limit_in_bytes, cpu.cfs_quota_us/cfs_period_us, pids.max).",
 "source":"Built for nsview from the kubelet's cgroupfs naming (docs/model.md).","cgroup":"v1","users":{"0":"root","65535":"nobody"},"nodeNs":NODE,"processes":procs,"limits":limits,"expect":expect})

# 5. Docker host (systemd driver, cgroup v2), plus podman and nspawn neighbours
procs=[{"pid":1,"ppid":0,"comm":"systemd","cmdline":["/sbin/init"],"cgroup":"/init.scope"}]+kthreads()+[
 {"pid":300,"comm":"dockerd","cmdline":["/usr/bin/dockerd","-H","fd://","--containerd=/run/containerd/containerd.sock"],"cgroup":"/system.slice/docker.service"},
 {"pid":301,"comm":"containerd","cmdline":["/usr/bin/containerd"],"cgroup":"/system.slice/containerd.service"}]
limits={}
web,db,hostc,pm=hid('dh-web'),hid('dh-db'),hid('dh-hostnet'),hid('dh-podman')
ppod,infra,papp=hid('dh-podman-pod'),hid('dh-podman-infra'),hid('dh-podman-app')
procs+=[
 {"pid":2001,"comm":"nginx","cmdline":["nginx: master process nginx -g daemon off;"],"ns":{"net":4026532500,"ipc":4026532501,"uts":4026532502,"mnt":4026532503,"pid":4026532504,"cgroup":4026532505},"cgroup":f"/system.slice/docker-{web}.scope"},
 {"pid":2002,"ppid":2001,"comm":"nginx","cmdline":["nginx: worker process"],"ns":{"net":4026532500,"ipc":4026532501,"uts":4026532502,"mnt":4026532503,"pid":4026532504,"cgroup":4026532505},"cgroup":f"/system.slice/docker-{web}.scope"},
 {"pid":2101,"comm":"redis-server","cmdline":["redis-server *:6379"],"uid":999,"ns":{"net":4026532510,"ipc":4026532511,"uts":4026532512,"mnt":4026532513,"pid":4026532514,"cgroup":4026532515},"cgroup":f"/system.slice/docker-{db}.scope"},
 {"pid":2201,"comm":"node_exporter","cmdline":["/bin/node_exporter","--path.rootfs=/host"],"ns":{"mnt":4026532520,"pid":4026532521,"cgroup":4026532522},"cgroup":f"/system.slice/docker-{hostc}.scope"},
 {"pid":2300,"comm":"conmon","cmdline":["/usr/bin/conmon","--cid",pm],"cgroup":f"/machine.slice/libpod-conmon-{pm}.scope"},
 {"pid":2301,"comm":"httpd","cmdline":["httpd","-DFOREGROUND"],"ns":{"net":4026532530,"ipc":4026532531,"uts":4026532532,"mnt":4026532533,"pid":4026532534,"cgroup":4026532535},"cgroup":f"/machine.slice/libpod-{pm}.scope/container"},
 {"pid":2400,"comm":"systemd","cmdline":["/usr/lib/systemd/systemd"],"ns":{"net":4026532540,"ipc":4026532541,"uts":4026532542,"mnt":4026532543,"pid":4026532544,"cgroup":4026532545},"cgroup":"/machine.slice/machine-debian\\x2dtest.scope/init.scope"},
 {"pid":2501,"comm":"catatonit","cmdline":["/catatonit","-P"],"start":25010,"ns":{"net":4026532550,"ipc":4026532551,"uts":4026532552,"mnt":4026532553,"pid":4026532554,"cgroup":4026532555},"cgroup":f"/machine.slice/machine-libpod_pod_{ppod}.slice/libpod-{infra}.scope/container"},
 {"pid":2502,"comm":"caddy","cmdline":["caddy","run"],"start":25020,"ns":{"net":4026532550,"ipc":4026532551,"uts":4026532552,"mnt":4026532556,"pid":4026532557,"cgroup":4026532558},"cgroup":f"/machine.slice/machine-libpod_pod_{ppod}.slice/libpod-{papp}.scope/container"},
]
limits[f"/system.slice/docker-{db}.scope"]={"memory":134217728,"cpu":[25000,100000],"pids":100}
save('docker-host',{"description":"A Docker host on cgroup v2 with the systemd driver: two containers, one with --network host, a podman container (crun 'container' leaf, conmon monitor) and a systemd-nspawn machine with an escaped name, and a podman pod (infra + app sharing net, ipc and uts).",
 "source":"Built for nsview from moby's, podman's and systemd's cgroup naming (docs/model.md).","cgroup":"v2","users":{"0":"root","999":"redis"},"nodeNs":NODE,"processes":procs,"limits":limits,
 "expect":{"docker":[web,db,hostc],"podman":pm,"podmanPod":{"id":ppod,"infra":infra,"app":papp}}})

# 6. Broken capture
procs=[{"pid":1,"ppid":0,"comm":"systemd","cmdline":["/sbin/init"],"cgroup":"/init.scope"}]+kthreads()+[
 {"pid":100,"comm":"ok","cmdline":["ok"],"cgroup":"/system.slice/ok.service"},
 {"pid":101,"comm":"badstat","cgroup":"/system.slice/a.service"},
 {"pid":102,"comm":"badcgroup","cgroup":"/system.slice/b.service"},
 {"pid":103,"comm":"badlink","cgroup":"/system.slice/c.service"},
 {"pid":104,"comm":"nolinks","cgroup":"/system.slice/d.service"},
 {"pid":105,"comm":"badstatus","cgroup":"/system.slice/e.service"}]
save('broken-capture',{"description":"A damaged capture: garbage in stat, a cgroup file with malformed lines, a namespace link with the wrong text, a process whose ns directory is missing, a status without Uid, a cgroup.procs with garbage, a malformed limit file and binary garbage in mountinfo lines.",
 "source":"Built for nsview to test tolerance.","cgroup":"v2","nodeNs":NODE,"processes":procs,
 "files":{"/proc/101/stat":"\u0000\u0001garbage without parens\n","/proc/102/cgroup":"this is not a cgroup line\n0::/system.slice/b.service\n","/proc/105/status":"Name:\tbadstatus\nState:\tS\n",
  "/sys/fs/cgroup/system.slice/d.service/cgroup.procs":"104\nnot-a-pid\n","/sys/fs/cgroup/system.slice/memory.max":"lots\n"},
 "links":{"/proc/103/ns/net":"garbage"},"remove":["/proc/104/ns"]})
print('ok')

# The embedded demo (`nsview --demo`) is the v2 node without its test expectations.
demo = json.load(open(OUT + 'k8s-v2-systemd-node.json'))
demo.pop('expect', None)
os.makedirs(os.path.join(OUT, '..', '..', 'lib', 'demo'), exist_ok=True)
json.dump(demo, open(os.path.join(OUT, '..', '..', 'lib', 'demo', 'k8s-node.json'), 'w'), indent=1)
