"""Traditional → Simplified Chinese before tokenisation, so 租金補貼 is understood like 租金补贴."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policy_kb.text import to_simplified
from policy_kb.understand import clean


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TraditionalToSimplified(GraphComponent):
    """Rewrites the message text in place (OpenCC t2s maps character for character, so entity offsets hold)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TraditionalToSimplified:
        return cls()

    @staticmethod
    def _convert(message: Message, training: bool = False) -> None:
        text: str | None = message.get(TEXT)
        if text and not training:
            text = clean(text)  # surrogates, control and zero-width characters (any channel)
            message.set(TEXT, text)
        if text:
            simplified = to_simplified(text)
            if len(simplified) == len(text) and simplified != text:
                message.set(TEXT, simplified)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for m in training_data.training_examples:
            self._convert(m, training=True)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for m in messages:
            self._convert(m)
        return messages
