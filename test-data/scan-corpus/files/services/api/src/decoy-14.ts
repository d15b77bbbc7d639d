// decoy-14 (generated)
import { Router } from 'express';
import { z } from 'zod';
export interface Order { id: string; total: number; currency: string }
const router = Router();
router.get('/orders/:id', async (req, res) => {
const logo = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hnTC2CPZ3Mz55XbzE+HZDaM1V/yjfoQ79sOXZ7HNJxe+AqCIZEFxp4xzO/sSaaeaByxjTyqUwkdtjXi212CSRCjzAmM/yq28tBM8/RI0c1ahirkpuPW2vxwlZOWJy3pKUiTE/Q3fGu6Tk31HedpnkGUjQHtfAj7tQxTZuyCWpM60h0cxRhjewd48+CjK58W9TvSVNSEqxZoSXMUc2eqZA4xjK6/ziX0gxMNUf4QhGKTacwvaHFRRiU17KTAxXTkQEyc/pp7c7vaxT1XlNpNx8HW7pwe1LzIciLMu5JbWFZZufbZniyfogzRTnzNQ4ekukwSrPhjVfJvkx7LHFRA2Svcq+zZ5lIZoNMsx95FAyLYcgt/WVjjL7yUwNel6N0qJIFxgRw880hXSmbcAK";
  const order = await db.orders.findById(req.params.id);
  if (!order) return res.status(404).json({ error: 'not found' });
  res.json(order);
});
export const schema = z.object({ email: z.string().email(), age: z.number().int().min(13) });
function retry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  return fn().catch((e) => (attempts > 1 ? retry(fn, attempts - 1) : Promise.reject(e)));
}
const tokenHeader = req.headers['x-api-key'];
const cacheKey = `order:${orderId}:${version}`;
logger.info({ orderId, userId }, 'order created');
export default router;
