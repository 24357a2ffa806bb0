#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "tessera/error.hpp"
#include "tessera/pdes/event_queue.hpp"

namespace tessera::pdes {
namespace {

Event ev(SimTime t, Priority prio, PortId port, std::uint64_t seq) {
  Event e;
  e.time = t;
  e.order = make_order(prio, port);
  e.seq = seq;
  e.payload.set_word(0, static_cast<std::uint64_t>(t) ^ seq);
  return e;
}

bool same_key(const Event& a, const Event& b) {
  return a.time == b.time && a.order == b.order && a.seq == b.seq;
}

class QueueTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<EventQueue> q = make_event_queue(GetParam());
};

TEST_P(QueueTest, EmptyQueueReportsInfinity) {
  EXPECT_TRUE(q->empty());
  EXPECT_EQ(q->next_time(), kTimeInfinity);
  q->push(ev(5, 0, 1, 0));
  EXPECT_EQ(q->next_time(), 5);
  Event out;
  q->pop(out);
  EXPECT_TRUE(q->empty());
  EXPECT_EQ(q->next_time(), kTimeInfinity);
}

TEST_P(QueueTest, TiesBreakByPriorityThenPortThenSequenceNotInsertion) {
  // Every event at t=100; the expected order is the key order.
  std::vector<Event> expected = {ev(100, 0, 1, 0),        ev(100, 0, 1, 1), ev(100, 0, 2, 0),
                                 ev(100, 0, 70000000, 0), ev(100, 1, 0, 5), ev(100, 1, 3, 0),
                                 ev(100, 7, 0, 0),        ev(100, 7, 0, 9)};
  std::mt19937 rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Event> shuffled = expected;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (const Event& e : shuffled) q->push(e);
    for (const Event& want : expected) {
      Event got;
      q->pop(got);
      EXPECT_TRUE(same_key(got, want))
          << "trial " << trial << ": got port " << got.source_port() << " seq " << got.seq;
    }
    EXPECT_TRUE(q->empty());
  }
}

TEST_P(QueueTest, PriorityOutranksPortAtEqualTime) {
  q->push(ev(10, 2, 0, 0));
  q->push(ev(10, 1, 9, 0));
  q->push(ev(9, 9, 9, 0));
  Event a, b, c;
  q->pop(a);
  q->pop(b);
  q->pop(c);
  EXPECT_EQ(a.time, 9);
  EXPECT_EQ(b.priority(), 1);
  EXPECT_EQ(c.priority(), 2);
}

// Random interleaved pushes and pops against a sorted reference, over time distributions that
// stress the ladder (dense ties, long tails, a far outlier, huge times).
void random_against_reference(EventQueue& q, int distribution, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Event> ref;  // kept as a heap with the reverse comparison
  auto cmp = [](const Event& a, const Event& b) { return event_before(b, a); };
  SimTime now = 0;
  std::uint64_t seq = 0;
  auto draw = [&]() -> SimTime {
    switch (distribution) {
      case 0:
        return now + static_cast<SimTime>(rng() % 1000);  // uniform
      case 1:
        return now + static_cast<SimTime>(rng() % 4) * 10;  // many ties
      case 2:
        return now + static_cast<SimTime>(std::exponential_distribution<>(1e-6)(rng));  // long tail
      case 3:
        return rng() % 500 == 0 ? now + 1'000'000'000'000 : now + static_cast<SimTime>(rng() % 100);
      default:
        return 4'000'000'000'000'000'000 +
               static_cast<SimTime>(rng() % 1'000'000'000'000'000'000ull);  // huge
    }
  };
  for (int i = 0; i < 20000; ++i) {
    const bool do_push = ref.empty() || rng() % 100 < (i < 10000 ? 60 : 40);
    if (do_push) {
      const Event e = ev(draw(), static_cast<Priority>(rng() % 3), static_cast<PortId>(rng() % 5), seq++);
      q.push(e);
      ref.push_back(e);
      std::push_heap(ref.begin(), ref.end(), cmp);
    } else {
      ASSERT_EQ(q.next_time(), ref.front().time);
      Event got;
      q.pop(got);
      std::pop_heap(ref.begin(), ref.end(), cmp);
      const Event want = ref.back();
      ref.pop_back();
      ASSERT_TRUE(same_key(got, want)) << "step " << i << ": got t=" << got.time << " want t=" << want.time;
      ASSERT_EQ(got.payload.word(0), want.payload.word(0));
      now = got.time;
    }
    ASSERT_EQ(q.size(), ref.size());
  }
  while (!ref.empty()) {
    Event got;
    q.pop(got);
    std::pop_heap(ref.begin(), ref.end(), cmp);
    ASSERT_TRUE(same_key(got, ref.back()));
    ref.pop_back();
  }
  EXPECT_TRUE(q.empty());
}

TEST_P(QueueTest, MatchesSortedReferenceUniform) { random_against_reference(*q, 0, 1); }
TEST_P(QueueTest, MatchesSortedReferenceDenseTies) { random_against_reference(*q, 1, 2); }
TEST_P(QueueTest, MatchesSortedReferenceLongTail) { random_against_reference(*q, 2, 3); }
TEST_P(QueueTest, MatchesSortedReferenceFarOutliers) { random_against_reference(*q, 3, 4); }
TEST_P(QueueTest, MatchesSortedReferenceHugeTimes) { random_against_reference(*q, 4, 5); }

TEST_P(QueueTest, PushBelowCurrentMinimumStillComesFirst) {
  for (int i = 0; i < 5000; ++i) q->push(ev(1000 + i, 0, 0, static_cast<std::uint64_t>(i)));
  Event out;
  q->pop(out);
  EXPECT_EQ(out.time, 1000);
  q->push(ev(3, 0, 0, 99999));  // earlier than anything left
  q->pop(out);
  EXPECT_EQ(out.time, 3);
  q->pop(out);
  EXPECT_EQ(out.time, 1001);
}

TEST_P(QueueTest, SkewedTimesComeOutInOrder) {
  // A dense cluster and one far outlier: the ladder must re-bucket its first bucket (finer and
  // finer) instead of moving everything into the near heap; order must hold throughout.
  std::mt19937_64 rng(9);
  std::vector<Event> all;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 6000; ++i) {
      all.push_back(ev(round * 100000 + static_cast<SimTime>(rng() % (i < 3000 ? 50 : 5000)), 0,
                       static_cast<PortId>(rng() % 7), all.size()));
    }
    all.push_back(ev(1'000'000'000'000'000 + round, 0, 0, all.size()));
  }
  std::vector<Event> shuffled = all;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (const Event& e : shuffled) q->push(e);
  std::sort(all.begin(), all.end(), event_before);
  for (const Event& want : all) {
    ASSERT_EQ(q->next_time(), want.time);
    Event got;
    q->pop(got);
    ASSERT_TRUE(same_key(got, want));
  }
  EXPECT_TRUE(q->empty());
}

TEST_P(QueueTest, HoldModelWithDenseFrontMatchesReference) {
  // The classic "hold" pattern with an exponential front far denser than the average: the ladder
  // must spawn finer rungs (and drop them) many times while pushes keep landing in every tier.
  std::mt19937_64 rng(21);
  std::exponential_distribution<double> ex(1.0 / 20000);
  auto cmp = [](const Event& a, const Event& b) { return event_before(b, a); };
  std::vector<Event> ref;
  std::uint64_t seq = 0;
  for (int i = 0; i < 20000; ++i) {
    const SimTime t = i % 2 ? static_cast<SimTime>(rng() % 200) : static_cast<SimTime>(ex(rng));
    const Event e = ev(t, 0, static_cast<PortId>(rng() % 3), seq++);
    q->push(e);
    ref.push_back(e);
    std::push_heap(ref.begin(), ref.end(), cmp);
  }
  for (int i = 0; i < 100000; ++i) {
    Event got;
    q->pop(got);
    std::pop_heap(ref.begin(), ref.end(), cmp);
    ASSERT_TRUE(same_key(got, ref.back())) << "op " << i;
    ref.pop_back();
    const SimTime delay =
        i % 5 == 0 ? static_cast<SimTime>(rng() % 3) : 20000 + static_cast<SimTime>(ex(rng));
    const Event e =
        ev(got.time + delay, static_cast<Priority>(rng() % 2), static_cast<PortId>(rng() % 3), seq++);
    q->push(e);
    ref.push_back(e);
    std::push_heap(ref.begin(), ref.end(), cmp);
  }
  EXPECT_EQ(q->size(), ref.size());
}

// Every queue of the one table (event_queue_kinds), so a new queue is tested without a new line here.
INSTANTIATE_TEST_SUITE_P(AllKinds, QueueTest, ::testing::ValuesIn(event_queue_names()));

TEST(EventQueueFactory, UnknownKindNamesTheValidOnes) {
  try {
    make_event_queue("fibonacci");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ladder, heap4, binary"), std::string::npos) << e.what();
  }
  try {
    make_event_queue("heap");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean \"heap4\"?"), std::string::npos) << e.what();
  }
  // The default (the table's first row) is the queue the engine runs on when given none.
  EXPECT_NE(dynamic_cast<LadderEventQueue*>(event_queue_kinds().front().make().get()), nullptr);
}

TEST(Payload, RoundTripsATriviallyCopyableStruct) {
  struct Msg {
    std::uint32_t a;
    double b;
    std::int64_t c[3];
  };
  const Msg m{7, 2.5, {1, -2, 3}};
  const Msg back = Payload::of(m).as<Msg>();
  EXPECT_EQ(back.a, 7u);
  EXPECT_EQ(back.b, 2.5);
  EXPECT_EQ(back.c[1], -2);
}

}  // namespace
}  // namespace tessera::pdes
