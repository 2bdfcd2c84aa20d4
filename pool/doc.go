// Package pool provides gevent's groups and pools of greenlets
// (gevent.pool): a Group is a set of greenlets that leave it when they
// finish; a Pool is a Group with a size limit, so that spawning into a full
// Pool waits for a member to finish.
//
// # Concurrency model
//
// Every method and function may be called from any goroutine: greenlets of
// one hub or of several, hubs' owning goroutines, and plain goroutines
// without a hub (which then get a hub, as gevent.Spawn does). Members may
// live on any hub; a member leaves the group through a link that runs on
// its hub when it finishes. The state is guarded by a mutex that is never
// held across a switch, and a Pool's slots are a lock.Semaphore, so
// spawners waiting for a slot are served in the order they started waiting.
//
// Spawn, TrySpawn, Apply, Map, IMap and IMapUnordered are functions, not
// methods, because Go methods cannot have type parameters; they take a
// Spawner, which is a *Group or a *Pool. Go and TryGo are the methods for
// functions without a result. A Group's members are gevent.Killable values,
// so greenlets of different result types share one group.
//
// # Switch points
//
// Spawn, Go, Add, AddTimeout, Apply, Map and the iteration of IMap and
// IMapUnordered (when they have to wait for a slot or a result), Join,
// JoinTimeout, Kill (without gevent.NoBlock), WaitAvailable
// and WaitAvailableTimeout may switch, and return the error that ended the
// wait: the caller's Kill (gevent.ErrGreenletExit) or Timeout,
// gevent.ErrLoopExit, gevent.ErrBlockingSwitchOut (in a loop callback),
// gevent.ErrHubDestroyed. TrySpawn, TryGo, TryAdd, Discard, Len, Has,
// Members, Size, FreeCount and Full never block.
//
// # Differences from gevent
//
//   - New never fails: a size <= 0 is a Pool without a limit, like a Group
//     or the zero Pool (gevent's Pool(None)); its FreeCount is 1, as in
//     gevent. gevent raises ValueError for a negative size and makes
//     Pool(0) block every spawn forever, which has no use.
//   - Join(opts...) with gevent.Within(d) and gevent.RaiseError() replaces
//     join(timeout, raise_error) and returns errors: gevent.ErrTimeout when
//     the limit passes, the first failed member's error (in the order
//     members were added, not set order) with RaiseError. As everywhere in
//     this module, a d <= 0 does not wait.
//   - Kill(opts...) with gevent.WithError, gevent.NoBlock and
//     gevent.Within replaces kill(exception, block, timeout) and returns
//     gevent.ErrTimeout when members survive the limit, where gevent
//     swallows its Timeout. A member that kills its own group is killed
//     last, without waiting for itself.
//   - Add of a member already present does nothing, and Discard of a
//     non-member frees no slot (gevent's Pool takes or frees a slot each
//     time). AddTimeout and TryAdd replace add(blocking, timeout).
//   - Map returns the results and the first error in input order instead of
//     raising; IMap and IMapUnordered are iter.Seq2 of (result, error) and
//     take their items as an iter.Seq. They read the items and spawn the
//     calls in the iterating context, between the results they yield,
//     instead of in a separate greenlet; there is no maxsize. Leaving the
//     loop early kills the calls whose results were not yielded.
//   - There are no apply_async, map_async, apply_cb or map_cb: spawn and use
//     the Greenlet, or run Map in a greenlet. There is no greenlet_class,
//     killone (use the member's Kill), start (Add, then Start), or
//     container protocol beyond Len, Has and Members.
package pool
