// decoy-37 (generated)
import { Router } from 'express';
import { z } from 'zod';
export interface Order { id: string; total: number; currency: string }
const router = Router();
router.get('/orders/:id', async (req, res) => {
  const order = await db.orders.findById(req.params.id);
  if (!order) return res.status(404).json({ error: 'not found' });
  res.json(order);
});
export const schema = z.object({ email: z.string().email(), age: z.number().int().min(13) });
const styles = { button: "Button_button__3xKd9", token: "Token_chip__9fLq2" };
function retry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  return fn().catch((e) => (attempts > 1 ? retry(fn, attempts - 1) : Promise.reject(e)));
}
const tokenHeader = req.headers['x-api-key'];
const cacheKey = `order:${orderId}:${version}`;
logger.info({ orderId, userId }, 'order created');
export default router;
