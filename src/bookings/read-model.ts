// What other capabilities may read of bookings (the repository stays private to bookings/).
export { findBooking } from './repository.js';
