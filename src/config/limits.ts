/** Node's timers overflow past 2^31-1 ms (~24.8 days): the longest timeout pilot accepts. */
export const MAX_TIMEOUT_S = 2_147_483;
