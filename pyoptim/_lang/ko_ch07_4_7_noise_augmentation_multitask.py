"""Korean for the figure texts of notebooks/ch07_4-7_noise_augmentation_multitask."""

STRINGS = {
    # 7.4 augmentation (bar labels are "<name>\n<test set>", translated line by line)
    "Augmented digits (each original 4 times)": "증강한 숫자 (원본마다 4번)",
    "Augmentation on 300 digits": "숫자 300개에서의 데이터 증강",
    "no augmentation": "증강 없음",
    "augmented": "증강",
    "clean": "깨끗한 테스트",
    "shifted": "이동한 테스트",
    "test accuracy": "테스트 정확도",
    # 7.6 / 7.7
    "A shared representation with unlabeled data": "레이블 없는 데이터와 공유하는 표현",
    "number of labeled digits": "레이블이 있는 숫자의 개수",
    "semi-supervised": "준지도 학습",
    "supervised only": "지도 학습만",
}
