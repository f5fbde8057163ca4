//! Property tests of the SMP serial framing: round trips, corruption detection, and arbitrary
//! splitting and merging of the byte stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use station_transport::framing::{Decoder, FrameError, MAX_FRAME_LEN, encode};

fn packet() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..1500)
}

fn decode_in_chunks(wire: &[u8], cuts: &[usize]) -> Vec<Result<Vec<u8>, FrameError>> {
    let mut d = Decoder::new();
    let mut out = Vec::new();
    let mut start = 0;
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    points.sort_unstable();
    for p in points.into_iter().chain(std::iter::once(wire.len())) {
        if p >= start {
            out.extend(d.feed(&wire[start..p]));
            start = p;
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn round_trip(p in packet()) {
        let wire = encode(&p);
        prop_assert!(wire.split_inclusive(|&b| b == b'\n').all(|l| l.len() <= MAX_FRAME_LEN));
        let mut d = Decoder::new();
        prop_assert_eq!(d.feed(&wire), vec![Ok(p)]);
        prop_assert!(!d.in_packet());
    }

    #[test]
    fn any_split_and_merge_of_many_packets(
        ps in prop::collection::vec(packet(), 1..6),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let wire: Vec<u8> = ps.iter().flat_map(|p| encode(p)).collect();
        let got = decode_in_chunks(&wire, &cuts);
        let want: Vec<Result<Vec<u8>, FrameError>> = ps.into_iter().map(Ok).collect();
        prop_assert_eq!(got, want);
    }

    /// Any single changed byte anywhere on the wire never yields a packet: the damaged packet
    /// is reported as an error or silently lost, never handed up as a response.
    #[test]
    fn any_single_corruption_is_detected(
        p in packet(),
        pos in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let mut wire = encode(&p);
        let i = pos.index(wire.len());
        wire[i] ^= xor;
        let mut d = Decoder::new();
        let got = d.feed(&wire);
        prop_assert!(got.iter().all(|r| r.is_err()), "corruption at {} accepted: {:?}", i, got);
    }

    /// A dropped byte is never taken for a packet either.
    #[test]
    fn any_single_dropped_byte_is_detected(p in packet(), pos in any::<prop::sample::Index>()) {
        let mut wire = encode(&p);
        let i = pos.index(wire.len());
        wire.remove(i);
        let mut d = Decoder::new();
        let got = d.feed(&wire);
        prop_assert!(got.iter().all(|r| r.is_err()));
    }

    /// After garbage, the decoder still finds the next good packet.
    #[test]
    fn recovers_after_garbage(garbage in prop::collection::vec(any::<u8>(), 0..600), p in packet()) {
        let mut wire = garbage;
        wire.push(b'\n');
        wire.extend(encode(&p));
        let mut d = Decoder::new();
        let got = d.feed(&wire);
        prop_assert_eq!(got.last().cloned(), Some(Ok(p)));
    }
}
