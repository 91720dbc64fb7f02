// The chat session, for make interop: the chat scenario's state machine
// as grpc-go's /chat.ChatService/Session, and its client.
//
//	JOIN name -> WELCOME name; TEXT ... -> ACK k (k = 1, 2, ...);
//	CloseSend -> BYE name, then OK; anything else FailedPrecondition
//	("JOIN first" before a JOIN, "already joined" after one).
package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

const sessionMethod = "/chat.ChatService/Session"

// session is the Session handler's body: the state machine on s.
func session(s grpc.ServerStream, sw *seen) error {
	name := ""
	for {
		var m []byte
		err := s.RecvMsg(&m)
		if err == io.EOF {
			sw.EOF = true
			reply := []byte("BYE " + name)
			return s.SendMsg(&reply)
		}
		if err != nil {
			return err
		}
		sw.Got = append(sw.Got, shown(m))
		text := string(m)
		var reply []byte
		switch {
		case name == "" && strings.HasPrefix(text, "JOIN ") && len(text) > 5:
			name = text[5:]
			reply = []byte("WELCOME " + name)
		case name != "" && strings.HasPrefix(text, "TEXT "):
			reply = []byte(fmt.Sprintf("ACK %d", len(sw.Got)-1))
		case name == "":
			return status.Error(9, "JOIN first") // FailedPrecondition
		default:
			return status.Error(9, "already joined")
		}
		if err := s.SendMsg(&reply); err != nil {
			return err
		}
	}
}

// chatCall is the chat client: "JOIN bob", then, once the first reply
// (the WELCOME) came, n TEXTs ("TEXT note i") and CloseSend; it reads
// every reply until the call ends.
func chatCall(cc *grpc.ClientConn, n, timeout int) result {
	ctx, cancel := context.WithTimeout(context.Background(),
		time.Duration(timeout)*time.Millisecond)
	defer cancel()
	res := result{Replies: []interface{}{}}
	st, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true,
		ClientStreams: true}, sessionMethod)
	if err == nil {
		join := []byte("JOIN bob")
		err = st.SendMsg(&join)
	}
	welcomed := make(chan struct{})
	if err == nil {
		go func() {
			select {
			case <-welcomed:
			case <-ctx.Done():
				return
			}
			for i := 1; i <= n; i++ {
				m := []byte(fmt.Sprintf("TEXT note %d", i))
				if st.SendMsg(&m) != nil {
					return
				}
			}
			st.CloseSend()
		}()
		for {
			var m []byte
			if err = st.RecvMsg(&m); err != nil {
				break
			}
			res.Replies = append(res.Replies, shown(m))
			if len(res.Replies) == 1 {
				close(welcomed)
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
