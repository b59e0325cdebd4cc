import type {
  ConsumeBatchMiddleware,
  ConsumeMiddleware,
  DeliveryReport,
  KafkaMessage,
  MessageContext,
  OutgoingMessage,
  ProduceMiddleware,
} from "./port.ts";

type Send = (messages: OutgoingMessage[]) => Promise<DeliveryReport[]>;

/** The first middleware is the outermost, as with most middleware stacks. */
export function composeProduce(middlewares: readonly ProduceMiddleware[], send: Send): Send {
  return middlewares.reduceRight<Send>(
    (next, middleware) => (messages) => middleware(messages, next),
    send,
  );
}

export function runConsume(
  middlewares: readonly ConsumeMiddleware[],
  message: KafkaMessage,
  context: MessageContext,
  inner: () => Promise<void>,
): Promise<void> {
  const chain = middlewares.reduceRight<() => Promise<void>>(
    (next, middleware) => () => middleware(message, context, next),
    inner,
  );
  return chain();
}

export function runConsumeBatch(
  middlewares: readonly ConsumeBatchMiddleware[],
  messages: KafkaMessage[],
  context: MessageContext,
  inner: () => Promise<void>,
): Promise<void> {
  const chain = middlewares.reduceRight<() => Promise<void>>(
    (next, middleware) => () => middleware(messages, context, next),
    inner,
  );
  return chain();
}
