// Original file: totalizer/v1/totalizer.proto


export interface GetTotalRequest__Input {
}

export interface GetTotalRequest {
}
