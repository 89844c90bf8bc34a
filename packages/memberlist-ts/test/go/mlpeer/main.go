// Command mlpeer is a HashiCorp memberlist node that the memberlist-ts interop
// tests run as a real peer: a protocol implementation tested only against
// itself proves nothing, so the TypeScript speaker's memberlist is checked
// against the Go library that MetalLB v0.9 itself links.
//
// It builds in GOPATH mode against Debian's golang-github-hashicorp-memberlist-dev
// (test/support/go-peer.ts does this):
//
//	GO111MODULE=off GOPATH=$TMP:/usr/share/gocode go build -o mlpeer mlpeer
//
// with this folder copied to $TMP/src/mlpeer.
//
// Flags:
//
//	-name N          node name (required)
//	-bind IP         bind and advertise address (default 127.0.0.1)
//	-port P          bind and advertise port, UDP and TCP (default 7946)
//	-join A,B        host:port list to join after startup
//	-secret S        MetalLB v0.9 memberlist secret (empty: no encryption)
//	-print-key       print the key derived from -secret and exit
//	-stdin=false     ignore stdin (see below)
//
// Output: one JSON object per line on stdout, each written with a single
// write so a reader never sees half a line. Every line has "event" and "t"
// (Unix milliseconds when it was printed):
//
//	{"event":"ready","node":N}                      memberlist is up (sockets bound)
//	{"event":"join"|"update","node":N,"addr":IP,"port":P}
//	{"event":"leave","node":N,"addr":IP,"port":P,"state":"dead"|"left"}
//	                                                memberlist's EventDelegate calls;
//	                                                "leave" covers both a failed node
//	                                                ("dead") and a graceful leave
//	                                                ("left"), including our own leave
//	{"event":"joined","count":N}                    -join contacted N hosts
//	{"event":"join-error","error":"..."}            -join contacted none (the node
//	                                                keeps running)
//	{"event":"members","source":"nodes","members":[{"node","addr","port","state","incarnation"}]}
//	{"event":"left"}                                after SIGTERM/SIGINT: Leave(1s) and
//	                                                Shutdown() are done; exit status 0
//	{"event":"key","key":HEX}                       only with -print-key ("" = no key)
//
// "members" is memberlist's own node table, not a reconstruction: every
// node memberlist currently holds, self included, with the state it holds
// for it ("alive", "suspect", "dead" or "left") and its incarnation. That
// includes dead and left nodes until memberlist reaps them (about 30 s,
// GossipToTheDeadTime), which Members() would hide. memberlist 0.2.2 has no
// public API for this (Members() skips dead and left nodes, and the
// Node.State it returns is never set: the real state lives in an unexported
// field that shadows it), so mlpeer reads the unexported table by
// reflection, holding memberlist's own node lock. It checks the layout at
// startup; if a different memberlist ever changes it, mlpeer says so on
// stderr and falls back to what the public API can tell: Members() with
// state "alive-or-suspect", then the nodes the EventDelegate last saw leave
// with "dead-or-left", "source":"Members()" and no incarnation. The same
// layout check gives the "state" of a "leave" event (omitted in the
// fallback).
//
// Every node also prints a "join" for itself, before "ready".
//
// Commands: the line "members" on stdin prints the "members" event. When
// stdin reaches end of file (the test process died and its pipe closed)
// the node shuts down without leaving and exits 0, so a crashed test run
// leaves no peer behind; run with -stdin=false to start it by hand with
// stdin closed. memberlist's own log goes to stderr.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"reflect"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/hashicorp/memberlist"
)

// out serialises stdout lines: the EventDelegate, the stdin reader and main
// all print, and a line must never interleave with another.
type out struct{ mu sync.Mutex }

func (o *out) emit(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		log.Printf("[ERR] mlpeer: cannot encode %#v: %v", v, err)
		return
	}
	b = append(b, '\n')
	o.mu.Lock()
	defer o.mu.Unlock()
	// os.Stdout is unbuffered: one Write is one line delivered now.
	if _, err := os.Stdout.Write(b); err != nil {
		log.Printf("[ERR] mlpeer: stdout: %v", err)
	}
}

func now() int64 { return time.Now().UnixNano() / int64(time.Millisecond) }

type simpleEvent struct {
	Event string `json:"event"`
	T     int64  `json:"t"`
}

type readyEvent struct {
	Event string `json:"event"`
	Node  string `json:"node"`
	T     int64  `json:"t"`
}

type nodeEvent struct {
	Event string `json:"event"`
	Node  string `json:"node"`
	Addr  string `json:"addr"`
	Port  uint16 `json:"port"`
	State string `json:"state,omitempty"`
	T     int64  `json:"t"`
}

type joinedEvent struct {
	Event string `json:"event"`
	Count int    `json:"count"`
	T     int64  `json:"t"`
}

type errorEvent struct {
	Event string `json:"event"`
	Error string `json:"error"`
	T     int64  `json:"t"`
}

type keyEvent struct {
	Event string `json:"event"`
	Key   string `json:"key"`
	T     int64  `json:"t"`
}

type member struct {
	Node        string  `json:"node"`
	Addr        string  `json:"addr"`
	Port        uint16  `json:"port"`
	State       string  `json:"state"`
	Incarnation *uint32 `json:"incarnation,omitempty"`
}

type membersEvent struct {
	Event   string   `json:"event"`
	Source  string   `json:"source"`
	Members []member `json:"members"`
	T       int64    `json:"t"`
}

func stateName(s int64) string {
	switch memberlist.NodeStateType(s) {
	case memberlist.StateAlive:
		return "alive"
	case memberlist.StateSuspect:
		return "suspect"
	case memberlist.StateDead:
		return "dead"
	case memberlist.StateLeft:
		return "left"
	}
	return fmt.Sprintf("unknown(%d)", s)
}

func ipString(ip net.IP) string {
	if len(ip) == 0 {
		return ""
	}
	return ip.String()
}

// layout locates memberlist's unexported node table (Memberlist.nodes, a
// []*nodeState guarded by Memberlist.nodeLock) and the fields of nodeState,
// because no public API reports dead, left or suspect nodes in memberlist
// 0.2.2. mlpeer only ever reads them, and only with memberlist's own lock
// held (or, in NotifyLeave, while memberlist holds it for us). It is
// checked against the compiled-in memberlist by reflection, so a memberlist
// with another layout is detected instead of misread.
type layout struct {
	// Byte offsets inside nodeState: a *Node that memberlist hands out
	// points at the Node embedded in a nodeState, and the real state sits
	// beside it.
	nodeOff, stateOff, incOff uintptr
}

func readLayout() (*layout, error) {
	mt := reflect.TypeOf(memberlist.Memberlist{})
	lock, ok := mt.FieldByName("nodeLock")
	if !ok || lock.Type != reflect.TypeOf(sync.RWMutex{}) {
		return nil, errors.New("Memberlist has no nodeLock sync.RWMutex")
	}
	nodes, ok := mt.FieldByName("nodes")
	if !ok || nodes.Type.Kind() != reflect.Slice || nodes.Type.Elem().Kind() != reflect.Ptr ||
		nodes.Type.Elem().Elem().Kind() != reflect.Struct {
		return nil, errors.New("Memberlist has no nodes []*struct")
	}
	st := nodes.Type.Elem().Elem()
	field := func(name string, want reflect.Type) (uintptr, error) {
		f, ok := st.FieldByName(name)
		if !ok || f.Type != want || len(f.Index) != 1 {
			return 0, fmt.Errorf("%v has no %s %v", st, name, want)
		}
		return f.Offset, nil
	}
	l := &layout{}
	var err error
	if l.nodeOff, err = field("Node", reflect.TypeOf(memberlist.Node{})); err != nil {
		return nil, err
	}
	if l.stateOff, err = field("State", reflect.TypeOf(memberlist.StateAlive)); err != nil {
		return nil, err
	}
	if l.incOff, err = field("Incarnation", reflect.TypeOf(uint32(0))); err != nil {
		return nil, err
	}
	return l, nil
}

// stateOf reads the real state and incarnation of the nodeState that embeds
// n. The caller must hold the node lock (memberlist does, around every
// EventDelegate call).
func (l *layout) stateOf(n *memberlist.Node) (int64, uint32) {
	base := unsafe.Add(unsafe.Pointer(n), -int(l.nodeOff))
	state := *(*memberlist.NodeStateType)(unsafe.Add(base, int(l.stateOff)))
	inc := *(*uint32)(unsafe.Add(base, int(l.incOff)))
	return int64(state), inc
}

// dump lists list's whole node table under its read lock.
func (l *layout) dump(list *memberlist.Memberlist) []member {
	v := reflect.ValueOf(list).Elem()
	lock := (*sync.RWMutex)(unsafe.Pointer(v.FieldByName("nodeLock").UnsafeAddr()))
	lock.RLock()
	defer lock.RUnlock()
	nodes := v.FieldByName("nodes")
	ms := make([]member, 0, nodes.Len())
	for i := 0; i < nodes.Len(); i++ {
		p := nodes.Index(i)
		if p.IsNil() {
			continue
		}
		n := (*memberlist.Node)(unsafe.Add(unsafe.Pointer(p.Pointer()), int(l.nodeOff)))
		state, inc := l.stateOf(n)
		ms = append(ms, member{Node: n.Name, Addr: ipString(n.Addr), Port: n.Port, State: stateName(state), Incarnation: &inc})
	}
	return ms
}

// events is the EventDelegate. Without a layout it remembers the nodes that
// left, because then Members() is all there is and it drops them.
type events struct {
	o      *out
	layout *layout // nil: fall back to the public API
	mu     sync.Mutex
	gone   map[string]member
}

func (e *events) node(kind string, n *memberlist.Node, state string) {
	e.o.emit(nodeEvent{Event: kind, Node: n.Name, Addr: ipString(n.Addr), Port: n.Port, State: state, T: now()})
}

func (e *events) NotifyJoin(n *memberlist.Node) {
	e.mu.Lock()
	delete(e.gone, n.Name)
	e.mu.Unlock()
	e.node("join", n, "")
}

func (e *events) NotifyLeave(n *memberlist.Node) {
	state := ""
	if e.layout != nil {
		s, _ := e.layout.stateOf(n)
		state = stateName(s)
	}
	e.mu.Lock()
	e.gone[n.Name] = member{Node: n.Name, Addr: ipString(n.Addr), Port: n.Port, State: "dead-or-left"}
	e.mu.Unlock()
	e.node("leave", n, state)
}

func (e *events) NotifyUpdate(n *memberlist.Node) {
	e.node("update", n, "")
}

func (e *events) dump(list *memberlist.Memberlist) membersEvent {
	if e.layout != nil {
		ms := e.layout.dump(list)
		sort.Slice(ms, func(i, j int) bool { return ms[i].Node < ms[j].Node })
		return membersEvent{Event: "members", Source: "nodes", Members: ms, T: now()}
	}
	present := map[string]bool{}
	ms := []member{}
	for _, n := range list.Members() {
		present[n.Name] = true
		ms = append(ms, member{Node: n.Name, Addr: ipString(n.Addr), Port: n.Port, State: "alive-or-suspect"})
	}
	e.mu.Lock()
	var gone []member
	for name, m := range e.gone {
		if !present[name] {
			gone = append(gone, m)
		}
	}
	e.mu.Unlock()
	// Map order is random; a stable order makes failures easier to read.
	sort.Slice(ms, func(i, j int) bool { return ms[i].Node < ms[j].Node })
	sort.Slice(gone, func(i, j int) bool { return gone[i].Node < gone[j].Node })
	return membersEvent{Event: "members", Source: "Members()", Members: append(ms, gone...), T: now()}
}

// v09Key derives the memberlist key the way MetalLB v0.9's speaker does:
// the secret followed by SHA-256 of nothing, cut to 16 bytes (AES-128).
// An empty secret means no encryption.
func v09Key(secret string) []byte {
	if secret == "" {
		return nil
	}
	empty := sha256.Sum256(nil)
	buf := append([]byte(secret), empty[:]...)
	return buf[:16]
}

func main() {
	// Catch signals before anything else: a SIGTERM that arrives during
	// startup is then handled as a leave rather than killing us silently.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)

	name := flag.String("name", "", "node name (required)")
	bind := flag.String("bind", "127.0.0.1", "bind and advertise address")
	port := flag.Int("port", 7946, "bind and advertise port (UDP and TCP)")
	join := flag.String("join", "", "comma-separated host:port list to join")
	secret := flag.String("secret", "", "MetalLB v0.9 memberlist secret")
	printKey := flag.Bool("print-key", false, "print the key derived from -secret and exit")
	useStdin := flag.Bool("stdin", true, "read commands from stdin and shut down at its end")
	flag.Parse()

	o := &out{}
	if *printKey {
		o.emit(keyEvent{Event: "key", Key: hex.EncodeToString(v09Key(*secret)), T: now()})
		return
	}
	if *name == "" || *port <= 0 || *port > 65535 || net.ParseIP(*bind) == nil {
		fmt.Fprintln(os.Stderr, "mlpeer: -name, a valid -bind IP and -port 1..65535 are required")
		flag.Usage()
		os.Exit(2)
	}

	logger := log.New(os.Stderr, "["+*name+"] ", log.LstdFlags|log.Lmicroseconds)
	log.SetOutput(os.Stderr)
	log.SetPrefix("[" + *name + "] ")
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	ev := &events{o: o, gone: map[string]member{}}
	if l, err := readLayout(); err != nil {
		logger.Printf("[WARN] mlpeer: cannot read memberlist's node table (%v): members and leave states come from the public API only", err)
	} else {
		ev.layout = l
	}

	conf := memberlist.DefaultLANConfig()
	conf.Name = *name
	conf.BindAddr = *bind
	conf.BindPort = *port
	conf.AdvertiseAddr = *bind
	conf.AdvertisePort = *port
	conf.SecretKey = v09Key(*secret)
	conf.Logger = logger
	conf.Events = ev

	list, err := memberlist.Create(conf)
	if err != nil {
		logger.Printf("[ERR] mlpeer: create: %v", err)
		os.Exit(1)
	}
	o.emit(readyEvent{Event: "ready", Node: *name, T: now()})

	if *join != "" {
		var hosts []string
		for _, h := range strings.Split(*join, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hosts = append(hosts, h)
			}
		}
		count, err := list.Join(hosts)
		if err != nil {
			o.emit(errorEvent{Event: "join-error", Error: err.Error(), T: now()})
		} else {
			o.emit(joinedEvent{Event: "joined", Count: count, T: now()})
		}
	}

	stdinClosed := make(chan struct{})
	if *useStdin {
		go func() {
			sc := bufio.NewScanner(os.Stdin)
			for sc.Scan() {
				switch cmd := strings.TrimSpace(sc.Text()); cmd {
				case "members":
					o.emit(ev.dump(list))
				case "":
				default:
					logger.Printf("[WARN] mlpeer: unknown command %q (known: members)", cmd)
				}
			}
			close(stdinClosed)
		}()
	}

	select {
	case s := <-sigs:
		logger.Printf("[INFO] mlpeer: %v: leaving", s)
		if err := list.Leave(1 * time.Second); err != nil {
			logger.Printf("[WARN] mlpeer: leave: %v", err)
		}
		if err := list.Shutdown(); err != nil {
			logger.Printf("[WARN] mlpeer: shutdown: %v", err)
		}
		o.emit(simpleEvent{Event: "left", T: now()})
	case <-stdinClosed:
		logger.Printf("[INFO] mlpeer: stdin closed: shutting down without leaving")
		if err := list.Shutdown(); err != nil {
			logger.Printf("[WARN] mlpeer: shutdown: %v", err)
		}
	}
}
