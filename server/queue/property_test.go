package queue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// referencePick is the calling rule written out naively over all tickets, without
// the state's indexes, to check Next against.
func referencePick(h *Hall, s *State, window string, now time.Time) *Ticket {
	w, _ := h.Window(window)
	var cands []*Ticket
	for _, t := range s.Tickets {
		if t.Status == StatusWaiting && w.Serves(t.Service) {
			cands = append(cands, t)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	slices.SortFunc(cands, func(a, b *Ticket) int {
		ta, tb := w.tier(a.Service), w.tier(b.Service)
		if ta != tb {
			return ta - tb
		}
		ra, _ := h.PriorityRank(a.Priority)
		rb, _ := h.PriorityRank(b.Priority)
		if ra != rb {
			return ra - rb
		}
		// Checked in on time, slot started.
		da := a.Appointment != "" && !a.Late && !now.Before(a.SlotStart)
		db := b.Appointment != "" && !b.Late && !now.Before(b.SlotStart)
		if da != db {
			if da {
				return -1
			}
			return 1
		}
		if a.Transferred != b.Transferred {
			if a.Transferred {
				return -1
			}
			return 1
		}
		if c := a.OrderAt.Compare(b.OrderAt); c != 0 {
			return c
		}
		if a.OrderSeq != b.OrderSeq {
			return cmp3(0, a.OrderSeq, b.OrderSeq)
		}
		return cmp3(cmp3(0, a.OrderSub, b.OrderSub), a.IssueSeq, b.IssueSeq)
	})
	return cands[0]
}

func stateJSON(t *testing.T, s *State) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPropertyReplay runs random command sequences and checks that replaying the
// events reproduces the state, that a snapshot plus the tail does too, that every
// non-manual call picked the rule's ticket, and that no number repeats in a day.
func TestPropertyReplay(t *testing.T) {
	services := []string{"general", "tax", "social"}
	windows := []string{"1", "2", "3", "4"}
	priorities := []string{"", "", "", "elderly", "disabled"}
	totalManual, totalReinstated, totalTransferred, totalLeased, totalVoided := 0, 0, 0, 0, 0
	totalAppt, totalApptCalls, totalMissed := 0, 0, 0
	clamped := map[string]int{}
	for seed := range uint64(40) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			w := newWorld(t)
			var snapshot []byte
			var snapSeq uint64
			calls, manual, bookings := 0, 0, 0
			for step := range 600 {
				if step == 300 {
					snapshot, snapSeq = stateJSON(t, w.s), w.s.Seq
				}
				w.tick(time.Duration(rng.IntN(120)) * time.Second)
				if rng.IntN(300) == 0 {
					w.tick(20 * time.Hour) // cross into another service day
				}
				w.roll()
				win := windows[rng.IntN(len(windows))]
				var evs []Event
				var err error
				switch op := rng.IntN(20); op {
				case 16:
					evs = w.s.AppointmentsDue(w.h, w.now)
				case 17:
					slots := slices.Sorted(maps.Keys(w.s.Slots))
					if len(slots) > 0 {
						bookings++
						evs, err = w.s.Book(w.h, w.now, BookRequest{Service: "social", Slot: slots[rng.IntN(len(slots))],
							Booking: fmt.Sprintf("b%d", bookings)})
					}
				case 18, 19:
					var ids []string
					for _, id := range slices.Sorted(maps.Keys(w.s.Bookings)) {
						if w.s.Bookings[id].Day == w.s.Day && w.s.Bookings[id].Status == BookingBooked {
							ids = append(ids, id)
						}
					}
					if len(ids) > 0 {
						id := ids[rng.IntN(len(ids))]
						if op == 18 && rng.IntN(3) == 0 {
							evs, err = w.s.CancelBooking(w.h, w.now, id)
						} else {
							evs, _, err = w.s.CheckIn(w.h, w.now, id, "k1")
						}
					}
				case 14:
					evs, err = w.s.GrantLease(w.h, w.now, []string{"k1", "k2"}[rng.IntN(2)], []string{"general", "social"}[rng.IntN(2)], rng.IntN(6))
				case 15:
					for _, id := range slices.Sorted(maps.Keys(w.s.Leases)) {
						l := w.s.Leases[id]
						if un := l.Unused(); len(un) > 0 {
							// Claims from well before the lease to after the sync.
							evs, err = w.s.IssueLeased(w.h, w.now, OfflineIssue{Kiosk: l.Kiosk, Lease: l.ID,
								Number: un[rng.IntN(len(un))], IssuedAt: w.now.Add(time.Duration(rng.IntN(1200)-1000) * time.Second)})
							break
						}
					}
				case 0, 1, 2, 3:
					evs, _, err = w.s.Issue(w.h, w.now, IssueRequest{
						Service: services[rng.IntN(3)], Priority: priorities[rng.IntN(len(priorities))],
						Kiosk: []string{"", "k1", "k2"}[rng.IntN(3)], Identity: true, IdentityCount: rng.IntN(2)})
				case 4, 5:
					evs, err = w.s.CallNext(w.h, w.now, win, "")
				case 6:
					evs, err = w.s.Complete(w.h, w.now, win)
				case 7:
					evs, err = w.s.NoShow(w.h, w.now, win)
				case 8:
					evs, err = w.s.Recall(w.h, w.now, win)
				case 9:
					nums := slices.Sorted(maps.Keys(w.s.Numbers))
					num := "A001"
					if len(nums) > 0 {
						num = nums[rng.IntN(len(nums))]
					}
					if rng.IntN(2) == 0 {
						evs, err = w.s.Reinstate(w.h, w.now, win, num)
					} else {
						evs, err = w.s.CallNumber(w.h, w.now, win, "", num, "supervisor")
					}
				case 10:
					evs, err = w.s.Transfer(w.h, w.now, win, "s", services[rng.IntN(3)], "supervisor")
				case 11:
					num := fmt.Sprintf("A%03d", 1+rng.IntN(20))
					evs, err = w.s.Cancel(w.h, w.now, TicketID(w.s.Day, num), "", "", "")
				case 12:
					evs, err = w.s.OpenWindow(w.h, w.now, win, "s")
				case 13:
					switch rng.IntN(5) {
					case 0:
						evs, err = w.s.PauseWindow(w.h, w.now, win, "s")
					case 1:
						evs, err = w.s.ResumeWindow(w.h, w.now, win, "s")
					case 2:
						evs, err = w.s.CloseWindow(w.h, w.now, win, "s")
					}
				}
				if err != nil {
					if ErrorCode(err) == EINTERNAL {
						t.Fatalf("step %d: internal error %v", step, err)
					}
					continue
				}
				for _, ev := range evs {
					if d, ok := ev.Data.(*TicketIssuedData); ok && d.Lease != "" {
						l := w.s.Leases[d.Lease]
						notBefore, _ := w.s.OfflineNotBefore(l)
						if d.IssuedAt.Before(l.GrantedAt) || d.IssuedAt.Before(w.s.Contacts[d.Kiosk]) || d.IssuedAt.Before(notBefore) ||
							d.IssuedAt.After(ev.Time) || (d.Clamped == "") != d.IssuedAt.Equal(d.ClaimedAt) {
							t.Fatalf("step %d: offline ticket %s claimed %v placed %v (%s); lease granted %v, last contact %v, synced %v",
								step, d.Number, d.ClaimedAt, d.IssuedAt, d.Clamped, l.GrantedAt, w.s.Contacts[d.Kiosk], ev.Time)
						}
					}
					if d, ok := ev.Data.(*TicketCalledData); ok {
						calls++
						if d.Reason == ReasonManual {
							manual++
						} else {
							ref := referencePick(w.h, w.s, d.Window, w.now)
							if ref == nil || ref.ID != d.Ticket {
								t.Fatalf("step %d: window %s called %s, reference rule picks %v", step, d.Window, d.Number, ref)
							}
						}
						if up := w.s.Upcoming(w.h, d.Window, 3, w.now); d.Reason != ReasonManual && (len(up) == 0 || up[0] != d.Number) {
							t.Fatalf("step %d: Upcoming(%s) = %v, but the rule called %s", step, d.Window, up, d.Number)
						}
						if err := w.s.CheckCall(w.h, d, w.now); err != nil {
							t.Fatalf("step %d: %v", step, err)
						}
					}
				}
				w.commit(evs)
			}
			if calls == 0 {
				t.Fatalf("sequence too poor: no call")
			}
			totalManual += manual
			for _, ev := range w.log {
				switch ev.Type {
				case TypeTicketReinstated:
					totalReinstated++
				case TypeTicketTransferred:
					totalTransferred++
				case TypeLeaseVoided:
					totalVoided++
				case TypeApptCheckedIn:
					totalAppt++
				case TypeApptMissed:
					totalMissed++
				case TypeTicketCalled:
					if ev.Data.(*TicketCalledData).Reason == ReasonAppointment {
						totalApptCalls++
					}
				case TypeTicketIssued:
					if d := ev.Data.(*TicketIssuedData); d.Lease != "" {
						totalLeased++
						clamped[d.Clamped]++
					}
				}
			}
			want := stateJSON(t, w.s)

			// Full replay, auditing every call as an outside verifier would.
			r := NewState()
			seen := map[string]bool{}
			for _, ev := range w.log {
				if err := r.Check(w.h, ev); err != nil {
					t.Fatalf("replay audit of event %d: %v", ev.Seq, err)
				}
				switch d := ev.Data.(type) {
				case *TicketIssuedData:
					if seen[d.Ticket] {
						t.Fatalf("number %s issued twice on %s", d.Number, d.Day)
					}
					seen[d.Ticket] = true
				}
				if err := r.Apply(ev); err != nil {
					t.Fatalf("replay: %v", err)
				}
			}
			if got := stateJSON(t, r); !bytes.Equal(got, want) {
				t.Fatalf("replayed state differs:\n got %s\nwant %s", got, want)
			}

			// Snapshot plus tail.
			var snap State
			if err := json.Unmarshal(snapshot, &snap); err != nil {
				t.Fatal(err)
			}
			snap.Reindex()
			for _, ev := range w.log {
				if ev.Seq > snapSeq {
					if err := snap.Apply(ev); err != nil {
						t.Fatalf("tail: %v", err)
					}
				}
			}
			if got := stateJSON(t, &snap); !bytes.Equal(got, want) {
				t.Fatalf("snapshot + tail differs")
			}
			clone := w.s.Clone()
			if got := stateJSON(t, clone); !bytes.Equal(got, want) {
				t.Fatalf("clone differs")
			}
			checkIndexes(t, clone)

			// Loaded as the engine loads snapshots: the tickets of the
			// earlier snapshot, then those of the end replacing them, as a
			// delta replaces its base's, each indexed as it comes.
			var loaded State
			if err := json.Unmarshal(want, &loaded); err != nil {
				t.Fatal(err)
			}
			l := loaded.LoadTickets(len(w.s.Tickets))
			if base := stateOf(t, snapshot); base.Day == w.s.Day {
				for _, tk := range base.Tickets {
					l.Put(tk)
				}
			}
			for _, tk := range w.s.Tickets {
				cp := *tk
				l.Put(&cp)
			}
			l.Done()
			if got := stateJSON(t, &loaded); !bytes.Equal(got, want) {
				t.Fatalf("loaded state differs:\n got %s\nwant %s", got, want)
			}
			checkIndexes(t, &loaded)

			// A copy sharing the snapshot's tickets leads, and the
			// snapshot follows one event behind, as the engine's committed
			// state follows its writer's; a replay checks the lead at
			// each step.
			var base State
			if err := json.Unmarshal(snapshot, &base); err != nil {
				t.Fatal(err)
			}
			base.Reindex()
			lead, ref := base.CloneShared(), base.Clone()
			var behind []Event
			for _, ev := range w.log {
				if ev.Seq <= snapSeq {
					continue
				}
				if err := lead.Apply(ev); err != nil {
					t.Fatalf("lead: %v", err)
				}
				if err := ref.Apply(ev); err != nil {
					t.Fatal(err)
				}
				if behind = append(behind, ev); len(behind) > 1 {
					if err := base.Apply(behind[0]); err != nil {
						t.Fatalf("follower: %v", err)
					}
					behind = behind[1:]
				}
				if got, want := stateJSON(t, lead), stateJSON(t, ref); !bytes.Equal(got, want) {
					t.Fatalf("event %d: the sharing copy differs from a replay:\n got %s\nwant %s", ev.Seq, got, want)
				}
			}
			for _, ev := range behind {
				if err := base.Apply(ev); err != nil {
					t.Fatalf("follower: %v", err)
				}
			}
			for name, st := range map[string]*State{"sharing copy": lead, "its original": &base} {
				if got := stateJSON(t, st); !bytes.Equal(got, want) {
					t.Fatalf("%s differs", name)
				}
				checkIndexes(t, st)
			}
		})
	}
	if totalAppt == 0 || totalApptCalls == 0 || totalMissed == 0 {
		t.Errorf("sequences too poor: %d check-ins, %d appointment calls, %d missed", totalAppt, totalApptCalls, totalMissed)
	}
	t.Logf("%d check-ins, %d appointment calls, %d missed", totalAppt, totalApptCalls, totalMissed)
	for _, why := range []string{"", ClampedLeaseGranted, ClampedLastContact, ClampedSyncedAt} {
		if clamped[why] == 0 {
			t.Errorf("sequences too poor: no offline ticket placed with clamped %q (%v)", why, clamped)
		}
	}
	if totalManual == 0 || totalReinstated == 0 || totalTransferred == 0 || totalLeased == 0 || totalVoided == 0 {
		t.Errorf("sequences too poor: %d manual calls, %d reinstatements, %d transfers, %d offline tickets, %d voided leases",
			totalManual, totalReinstated, totalTransferred, totalLeased, totalVoided)
	}
	t.Logf("%d manual calls, %d reinstatements, %d transfers, %d offline tickets, %d voided leases",
		totalManual, totalReinstated, totalTransferred, totalLeased, totalVoided)
}

// stateOf decodes a state's JSON.
func stateOf(t *testing.T, data []byte) *State {
	t.Helper()
	s := NewState()
	if err := json.Unmarshal(data, s); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkIndexes checks that the indexes of waiting tickets s carries (those a
// clone takes from its original) are those Reindex finds from the tickets.
func checkIndexes(t *testing.T, s *State) {
	t.Helper()
	re := *s
	re.Reindex()
	ids := func(ix map[string]map[string]*Ticket) map[string][]string {
		out := map[string][]string{}
		for svc, m := range ix {
			for id, tk := range m {
				if tk != s.Tickets[id] {
					t.Fatalf("index %s/%s points at another ticket than the state's", svc, id)
				}
				out[svc] = append(out[svc], id)
			}
			slices.Sort(out[svc])
		}
		return out
	}
	counts := func(c map[string]map[string]int) map[string]map[string]int {
		out := map[string]map[string]int{}
		for svc, m := range c {
			for p, n := range m {
				if n != 0 {
					if out[svc] == nil {
						out[svc] = map[string]int{}
					}
					out[svc][p] = n
				}
			}
		}
		return out
	}
	if got, want := ids(s.waiting), ids(re.waiting); !reflect.DeepEqual(got, want) {
		t.Fatalf("waiting index %v, want %v", got, want)
	}
	if got, want := ids(s.appts), ids(re.appts); !reflect.DeepEqual(got, want) {
		t.Fatalf("appointment index %v, want %v", got, want)
	}
	if got, want := counts(s.counts), counts(re.counts); !reflect.DeepEqual(got, want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
}
