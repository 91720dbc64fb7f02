// grpcpeer: a grpc-go peer for make interop, server or client of the
// service duplex serves and calls: /chat.ChatService/Chat and
// /chat.ChatService/Session (the chat session, chat.go), bidirectional
// streaming, raw-bytes messages.
//
//	grpcpeer serve MODE [-calls N]
//	    listens on 127.0.0.1 (any port), prints "listening on ADDR", serves
//	    N calls (default 1), printing one JSON line per call with what the
//	    handler saw, then exits. MODE: echo ("echo: <text>" per message
//	    until EOF), error (the first message ends the call with
//	    InvalidArgument and -text), stall (waits for the call's end),
//	    count ("got N bytes" per message), mirror (N bytes back per
//	    message; no receive limit). /chat.ChatService/Session is always
//	    the chat session (chat.go).
//	grpcpeer call ADDR [-n N] [-size B] [-request TEXT] [-timeout MS]
//	    [-cancel-after K] [-no-close] [-linger] [-calls K] [-senders K]
//	    one call: sends the messages ("hello", "how are you?", "bye"; or N
//	    of B bytes; or one TEXT), CloseSend (unless -cancel-after or
//	    -no-close), reads replies until the call ends and prints one JSON
//	    line: the replies and the call's status; with -linger it keeps the
//	    connection until the server closes it. -calls K: K such calls at
//	    once on the one connection, a line each. -senders K: K goroutines
//	    call SendMsg on the one call, -n messages each ("sender K message
//	    I"), which grpc-go's documentation says is not safe. -method
//	    PATH: call PATH instead of /chat.ChatService/Chat. -chat N: the
//	    chat session's client instead (JOIN bob, WELCOME, N TEXTs).
//
// No protoc: the codec passes []byte through. It is registered as "proto",
// grpc-go's default, so both ends use it for content-type
// application/grpc, which is what duplex sends (a named codec would make
// grpc-go send application/grpc+NAME).
//
// Build with Debian's packages, no modules:
//
//	GO111MODULE=off GOPATH=tests/interop/go:/usr/share/gocode go build grpcpeer
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	if b, ok := v.(*[]byte); ok {
		return *b, nil
	}
	return nil, fmt.Errorf("raw codec: cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	p, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("raw codec: cannot unmarshal into %T", v)
	}
	*p = append([]byte(nil), data...)
	return nil
}

func init() { encoding.RegisterCodec(rawCodec{}) }

// shown is a message as the JSON lines show it: its text when short, its
// length otherwise.
func shown(b []byte) interface{} {
	if len(b) > 64 {
		return len(b)
	}
	return string(b)
}

// seen is what one call's handler saw, printed as one JSON line.
type seen struct {
	Got        []interface{} `json:"got"`
	EOF        bool          `json:"eof"`
	Ctx        string        `json:"ctx"`
	DeadlineMS float64       `json:"deadline_ms"`
	Peer       string        `json:"peer"`
	Returned   string        `json:"returned"`
}

func handler(mode, text string, report func(seen)) grpc.StreamHandler {
	return func(_ interface{}, s grpc.ServerStream) error {
		ctx := s.Context()
		sw := seen{Got: []interface{}{}, DeadlineMS: -1}
		if d, ok := ctx.Deadline(); ok {
			sw.DeadlineMS = float64(time.Until(d).Microseconds()) / 1e3
		}
		if p, ok := peer.FromContext(ctx); ok {
			sw.Peer = p.Addr.String()
		}
		var err error
		if mode == "session" {
			err = session(s, &sw)
		} else {
			err = serve(mode, text, s, &sw)
		}
		if ctx.Err() != nil {
			sw.Ctx = ctx.Err().Error()
		}
		if err != nil {
			sw.Returned = err.Error()
		}
		report(sw)
		return err
	}
}

func serve(mode, text string, s grpc.ServerStream, sw *seen) error {
	for {
		var m []byte
		err := s.RecvMsg(&m)
		if err == io.EOF {
			sw.EOF = true
			return nil
		}
		if err != nil {
			return err
		}
		sw.Got = append(sw.Got, shown(m))
		var reply []byte
		switch mode {
		case "error":
			return status.Error(3, text) // InvalidArgument
		case "stall":
			<-s.Context().Done()
			return s.Context().Err()
		case "count":
			reply = []byte(fmt.Sprintf("got %d bytes", len(m)))
		case "mirror":
			reply = make([]byte, len(m))
			for i := range reply {
				reply[i] = 'y'
			}
		default:
			reply = append([]byte("echo: "), m...)
		}
		if err := s.SendMsg(&reply); err != nil {
			return err
		}
	}
}

func cmdServe(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	calls := fs.Int("calls", 1, "calls to serve, then exit")
	text := fs.String("text", "failed", "error mode: the status message")
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: grpcpeer serve MODE [-calls N]")
		return 2
	}
	mode := args[0]
	fs.Parse(args[1:])
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpcpeer:", err)
		return 1
	}
	var mu sync.Mutex
	done := make(chan struct{}, *calls)
	report := func(sw seen) {
		line, _ := json.Marshal(sw)
		mu.Lock()
		fmt.Println(string(line))
		mu.Unlock()
		done <- struct{}{}
	}
	var opts []grpc.ServerOption
	if mode == "mirror" {
		opts = append(opts, grpc.MaxRecvMsgSize(1<<30))
	}
	srv := grpc.NewServer(opts...)
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "chat.ChatService",
		HandlerType: (*interface{})(nil),
		Streams: []grpc.StreamDesc{{StreamName: "Chat",
			Handler:       handler(mode, *text, report),
			ServerStreams: true, ClientStreams: true},
			{StreamName: "Session",
				Handler:       handler("session", "", report),
				ServerStreams: true, ClientStreams: true}},
	}, struct{}{})
	fmt.Println("listening on", lis.Addr())
	go srv.Serve(lis)
	status := 0
	for i := 0; i < *calls; i++ {
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			fmt.Fprintf(os.Stderr, "grpcpeer: %d of %d calls came\n", i, *calls)
			status = 1
			i = *calls
		}
	}
	// The handlers have reported; GracefulStop lets their calls finish
	// (replies and trailers go out) before the connections close.
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		srv.Stop()
	}
	return status
}

type result struct {
	Replies []interface{} `json:"replies"`
	Code    string        `json:"code"`
	Message string        `json:"message"`
}

func cmdCall(args []string) int {
	fs := flag.NewFlagSet("call", flag.ExitOnError)
	n := fs.Int("n", 0, "messages of -size bytes (0: the three words)")
	size := fs.Int("size", 0, "bytes per message, with -n")
	request := fs.String("request", "", "send this one message instead")
	timeout := fs.Int("timeout", 20000, "the call's deadline, ms")
	cancelAfter := fs.Int("cancel-after", -1, "cancel after K replies")
	noClose := fs.Bool("no-close", false, "never CloseSend")
	linger := fs.Bool("linger", false,
		"keep the connection until the server closes it")
	calls := fs.Int("calls", 1, "calls at once on the one connection")
	senders := fs.Int("senders", 0,
		"goroutines calling SendMsg on the one call, -n messages each")
	method := fs.String("method", "/chat.ChatService/Chat", "the call's path")
	chat := fs.Int("chat", -1, "the chat session's client, with N TEXTs")
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: grpcpeer call ADDR [options]")
		return 2
	}
	addr := args[0]
	fs.Parse(args[1:])
	msgs := [][]byte{[]byte("hello"), []byte("how are you?"), []byte("bye")}
	if *request != "" {
		msgs = [][]byte{[]byte(*request)}
	} else if *n > 0 {
		msgs = nil
		for i := 0; i < *n; i++ {
			msgs = append(msgs, []byte(strings.Repeat("x", *size)))
		}
	}
	cc, err := grpc.Dial(addr, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithTimeout(20*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpcpeer:", err)
		return 1
	}
	defer cc.Close()
	if *senders > 0 {
		msgs = nil
		for i := 0; i < *n; i++ {
			for k := 1; k <= *senders; k++ {
				msgs = append(msgs, []byte(fmt.Sprintf(
					"sender %d message %d", k, i+1)))
			}
		}
	}
	results := make([]result, *calls)
	var wg sync.WaitGroup
	for k := range results {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			if *chat >= 0 {
				results[k] = chatCall(cc, *chat, *timeout)
				return
			}
			results[k] = oneCall(cc, *method, msgs, *senders,
				*timeout, *cancelAfter, *noClose)
		}(k)
	}
	wg.Wait()
	for _, res := range results {
		line, _ := json.Marshal(res)
		fmt.Println(string(line))
	}
	if *linger {
		// A cancel is an RST_STREAM on a connection that stays: closing
		// it at once could reach the server before the reset does.
		wait, stop := context.WithTimeout(context.Background(),
			20*time.Second)
		defer stop()
		for s := cc.GetState(); s == connectivity.Ready; s = cc.GetState() {
			if !cc.WaitForStateChange(wait, s) {
				break
			}
		}
	}
	return 0
}

// oneCall runs one call on cc: sends msgs (from one goroutine, or from
// senders goroutines, sender k sending "sender k ..." in its order: what
// two goroutines calling SendMsg on one stream do), CloseSend unless told
// not to, and reads the replies until the call ends.
func oneCall(cc *grpc.ClientConn, method string, msgs [][]byte, senders,
	timeout, cancelAfter int, noClose bool) result {
	ctx, cancelDeadline := context.WithTimeout(context.Background(),
		time.Duration(timeout)*time.Millisecond)
	defer cancelDeadline()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true,
		ClientStreams: true}, method)
	res := result{Replies: []interface{}{}}
	if err == nil {
		go sendAll(st, msgs, senders, cancelAfter < 0 && !noClose)
		for {
			var m []byte
			if err = st.RecvMsg(&m); err != nil {
				break
			}
			res.Replies = append(res.Replies, shown(m))
			if len(res.Replies) == cancelAfter {
				cancel()
			}
		}
	}
	if err == io.EOF {
		err = nil
	}
	s := status.Convert(err)
	res.Code, res.Message = s.Code().String(), s.Message()
	return res
}

func sendAll(st grpc.ClientStream, msgs [][]byte, senders int, closeSend bool) {
	if senders == 0 {
		senders = 1
	}
	var wg sync.WaitGroup
	for k := 0; k < senders; k++ {
		wg.Add(1)
		go func(k int) { // SendMsg from several goroutines: the mistake
			defer wg.Done()
			for i := k; i < len(msgs); i += senders {
				if st.SendMsg(&msgs[i]) != nil {
					return
				}
			}
		}(k)
	}
	wg.Wait()
	if closeSend {
		st.CloseSend()
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: grpcpeer serve|call ...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		os.Exit(cmdServe(os.Args[2:]))
	case "call":
		os.Exit(cmdCall(os.Args[2:]))
	}
	fmt.Fprintln(os.Stderr, "grpcpeer: serve or call, not", os.Args[1])
	os.Exit(2)
}
